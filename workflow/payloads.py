"""Validation of each action's payload.

Each validator takes the raw payload (plain JSON-like values: ids, codes, text) and the locked
complaint, and returns `(data, record)`: `data` holds resolved objects for the transition,
`record` the JSON-safe summary written into the audit event. Bad input raises InvalidInput.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from complaints.identifiers import normalize_tracking_number
from complaints.models import Agency, Classification, Complaint, ComplexityTier, Service
from workflow.errors import InvalidInput
from workflow.states import Action, ClockName, RejectionReason, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MAX_TEXT = 10_000

Validated = tuple[dict[str, Any], dict[str, Any]]


def _text(payload: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.") % {"field": key},
                           errors={key: "must be text"})
    if "\x00" in value:
        # PostgreSQL cannot store it (a 500); no text a person writes contains it.
        raise InvalidInput(_("%(field)s contains a NUL character.") % {"field": key},
                           errors={key: "contains NUL"})
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": key}, errors={key: "required"})
    if len(value) > MAX_TEXT:
        raise InvalidInput(_("%(field)s is too long.") % {"field": key},
                           errors={key: f"at most {MAX_TEXT} characters"})
    return value


# More digits than any number these payloads take, and far fewer than int() refuses (4300).
MAX_DIGITS = 19


def _int(payload: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = payload.get(key)
    # isdecimal, not isdigit: int() refuses "²", which isdigit accepts (that was a 500).
    if isinstance(value, str) and _is_number(value.strip().removeprefix("-")):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(_("%(field)s must be a whole number from %(low)d to %(high)d.")
                           % {"field": key, "low": low, "high": high},
                           errors={key: f"whole number from {low} to {high}"})
    return value


def _agency_within(payload: Mapping[str, Any], key: str, root: Agency) -> Agency:
    ref = payload.get(key)
    query = Agency.objects.filter(path__startswith=root.path, is_active=True)
    unit = _lookup(query, ref)
    if unit is None:
        raise InvalidInput(_("%(field)s must be a unit of %(agency)s.")
                           % {"field": key, "agency": root.name},
                           errors={key: "not a unit of this agency"})
    return unit


def _lookup(query: Any, ref: Any, code_field: str = "code") -> Any:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return query.filter(pk=ref).first()
    if isinstance(ref, str) and ref.strip() and "\x00" not in ref:
        ref = ref.strip()
        return query.filter(**({"pk": int(ref)} if _is_number(ref) else {code_field: ref})).first()
    return None


def _is_number(text: str) -> bool:
    return text.isdecimal() and len(text) <= MAX_DIGITS


def _officer_of(payload: Mapping[str, Any], unit: Agency) -> AbstractBaseUser | None:
    from django.contrib.auth import get_user_model

    ref = payload.get("assignee")
    if ref in (None, ""):
        return None
    officers = get_user_model().objects.filter(
        is_active=True, memberships__role=Role.OFFICER,
        memberships__agency__path__in=unit.lineage_paths,
    ).distinct()
    user = _lookup(officers, ref, code_field="username")
    if user is None:
        raise InvalidInput(_("assignee must be an officer of the chosen unit."),
                           errors={"assignee": "not an officer of this unit"})
    return user


def _placement(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    unit = _agency_within(payload, "unit", complaint.agency)
    assignee = _officer_of(payload, unit)
    data = {"unit": unit, "assignee": assignee}
    record = {"unit": unit.code, "assignee": assignee.get_username() if assignee else None}
    return data, record


def assign(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    data, record = _placement(payload, complaint)
    tiers = complaint.standard.tiers.all()
    code = payload.get("complexity") or None
    if isinstance(code, str) and "\x00" in code:
        code = "\ufffd"  # matches no tier, and can be sent to PostgreSQL
    tier = (tiers.filter(code=code).first() if code
            else tiers.filter(is_default=True).first() or tiers.first())
    if tier is None and (code or tiers.exists()):
        raise InvalidInput(_("complexity is not a tier of this service standard."),
                           errors={"complexity": "unknown tier"})
    if tier is None:
        # A standard without tiers: first_response uses the standard's own duration.
        policy = complaint.standard.clocks.filter(name=ClockName.FIRST_RESPONSE).first()
        tier = ComplexityTier(code="", label="", duration=policy.duration if policy else 0,
                              unit=policy.unit if policy else "working_days")
    classification = payload.get("classification") or ""
    if classification and classification not in Classification.values:
        raise InvalidInput(_("classification is not known."),
                           errors={"classification": f"one of {Classification.values}"})
    data.update(tier=tier, classification=classification)
    record.update(complexity=tier.code, classification=classification or None)
    return data, record


def reassign(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    return _placement(payload, complaint)


def _message(key: str) -> Callable[[Mapping[str, Any], Complaint], Validated]:
    def validate(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
        text = _text(payload, key)
        return {key: text}, {key: text}

    return validate


def extend(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    clock = payload.get("clock")
    if clock not in ClockName.values:
        raise InvalidInput(_("clock must name one of the complaint's clocks."),
                           errors={"clock": f"one of {ClockName.values}"})
    amount = _int(payload, "amount", 1, 365)
    reason = _text(payload, "reason")
    data = {"clock": clock, "amount": amount, "reason": reason}
    return data, dict(data)


def dispute(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    reason = _text(payload, "reason")
    tier = complaint.standard.tiers.filter(code=complaint.complexity).first()
    return {"reason": reason, "tier": tier}, {"reason": reason}


def accept(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    rating = _int(payload, "rating", 1, 5)
    comment = _text(payload, "comment", required=False)
    return {"rating": rating, "comment": comment}, {"rating": rating, "comment": comment}


def reject(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    reason = payload.get("reason")
    if reason not in RejectionReason.values:
        raise InvalidInput(_("reason must be a rejection reason."),
                           errors={"reason": f"one of {RejectionReason.values}"})
    note = _text(payload, "note", required=False)
    duplicate_of = None
    if reason == RejectionReason.DUPLICATE:
        number = normalize_tracking_number(str(payload.get("duplicate_of") or ""))
        duplicate_of = Complaint.objects.filter(
            tracking_number=number, agency__path__startswith=complaint.agency.root_path
        ).exclude(pk=complaint.pk).first() if number else None
        if duplicate_of is None:
            raise InvalidInput(_("duplicate_of must be the tracking number of another complaint."),
                               errors={"duplicate_of": "unknown tracking number"})
    data = {"reason": reason, "note": note, "duplicate_of": duplicate_of}
    record = {"reason": reason, "note": note,
              "duplicate_of": duplicate_of.tracking_number if duplicate_of else None}
    return data, record


def refer(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    note = _text(payload, "note", required=False)
    service_ref = payload.get("service")
    if service_ref:
        # A receiving agency in this system: the complaint continues there, linked.
        service = _lookup(Service.objects.taking_complaints(), service_ref)
        if service is None or service.agency.path.startswith(complaint.agency.root_path):
            raise InvalidInput(_("service must be a service of another agency in Aduan."),
                               errors={"service": "not a service of another agency"})
        data = {"agency": service.agency, "service": service, "note": note}
        return data, {"agency": service.agency.code, "service": service.code, "note": note}
    name = _text(payload, "agency_name")
    return {"agency": None, "agency_name": name, "note": note}, {"agency_name": name, "note": note}


def withdraw(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    reason = _text(payload, "reason", required=False)
    return {"reason": reason}, {"reason": reason}


def nothing(payload: Mapping[str, Any], complaint: Complaint) -> Validated:
    return {}, {}


VALIDATORS: dict[str, Callable[[Mapping[str, Any], Complaint], Validated]] = {
    Action.ASSIGN: assign,
    Action.REASSIGN: reassign,
    Action.REQUEST_INFO: _message("message"),
    Action.PROVIDE_INFO: _message("message"),
    Action.EXTEND: extend,
    Action.RESPOND: _message("response"),
    Action.DISPUTE: dispute,
    Action.ACCEPT: accept,
    Action.AUTO_CLOSE: nothing,
    Action.REJECT: reject,
    Action.REFER: refer,
    Action.WITHDRAW: withdraw,
}
