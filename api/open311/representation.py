"""How Aduan's records look in Open311 GeoReport v2: field names, order and values exactly as
the specification's examples, ids and codes as strings, times in the agency's zone.

Nothing here reads the reporter: no name, e-mail, phone or device ever leaves through Open311.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import ClockPolicy, Complaint, Service, ServiceStandard
from workflow.states import ClockName, ClosureReason, RejectionReason, State

# The specification limits a request's description to 4,000 characters; other channels
# allow longer text, so the public copy is cut there.
MAX_DESCRIPTION = 4000


def w3c_time(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with the offset of the agency's zone, e.g. 2026-02-02T09:00:00+07:00."""
    if value is None:
        return None
    return timezone.localtime(value, zone).isoformat(timespec="seconds")


def service_item(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description or None,
        "metadata": False,  # no service has attributes: a client never needs the definition
        "type": "realtime",  # the service_request_id is returned at once
        "keywords": service.keywords or None,
        "group": service.group or service.agency.name,
    }


def service_definition(service: Service) -> dict[str, Any]:
    return {"service_code": service.code, "attributes": []}


def request_items(complaints: Iterable[Complaint]) -> list[dict[str, Any]]:
    """Complaints from `selectors.public_requests()` as service requests. Each standard
    version's notice is written once, from its clocks read in one query: a list of 1,000
    requests pins a few hundred versions, and writing the notice for every request was two
    fifths of the list's time (docs/performance.md, finding 40)."""
    complaints = list(complaints)
    policies: dict[int, list[ClockPolicy]] = {}
    for policy in ClockPolicy.objects.filter(standard__in={c.standard_id for c in complaints}):
        policies.setdefault(policy.standard_id, []).append(policy)
    notices: dict[int, str | None] = {}
    for complaint in complaints:
        if complaint.standard_id not in notices:
            notices[complaint.standard_id] = service_notice(
                complaint.standard, policies.get(complaint.standard_id, []))
    return [_request_item(c, notices[c.standard_id]) for c in complaints]


def _request_item(complaint: Complaint, notice: str | None) -> dict[str, Any]:
    zone = complaint.agency.zone
    closed = complaint.state == State.CLOSED
    updated = complaint.closed_at if closed else getattr(complaint, "last_change_at", None)
    return {
        "service_request_id": complaint.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes(complaint),
        "service_name": complaint.service.name,
        "service_code": complaint.service.code,
        "description": complaint.description[:MAX_DESCRIPTION],
        "agency_responsible": complaint.agency.name,
        "service_notice": notice,
        "requested_datetime": w3c_time(complaint.received_at, zone),
        "updated_datetime": w3c_time(updated or complaint.received_at, zone),
        "expected_datetime": w3c_time(expected_at(complaint), zone),
        "address": complaint.location_text or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(complaint.latitude) if complaint.latitude is not None else None,
        "long": float(complaint.longitude) if complaint.longitude is not None else None,
        "media_url": None,
    }


def expected_at(complaint: Complaint) -> dt.datetime | None:
    """The deadline the citizen is waiting on (selectors.public_requests): the open
    first_response clock, else the open verify clock, else the open resolution clock; none
    once the complaint is closed."""
    if complaint.state == State.CLOSED:
        return None
    return complaint.open311_expected  # type: ignore[attr-defined]


def status_notes(complaint: Complaint) -> str:
    """The public response once there is one, else what is happening, in a sentence."""
    if complaint.state == State.RECEIVED:
        return _("Received; waiting for verification by the agency.")
    if complaint.state == State.ASSIGNED:
        if complaint.pending_info_request:
            return _("Waiting for more information from the reporter.")
        if complaint.unit_id:
            return _("Being handled by %(unit)s.") % {"unit": complaint.unit.name}
        return _("Being handled by the agency.")
    if complaint.response:
        return complaint.response
    return _closure_note(complaint)


def _closure_note(complaint: Complaint) -> str:
    reason = complaint.closure_reason
    if reason == ClosureReason.REJECTED:
        return {
            RejectionReason.SPAM: _("Rejected as spam or abusive."),
            RejectionReason.DUPLICATE: _("Rejected as a duplicate of another complaint."),
            RejectionReason.OUT_OF_SCOPE: _("Rejected: outside this agency's authority."),
        }.get(complaint.rejection_reason, _("Rejected."))
    if reason == ClosureReason.REFERRED:
        return _("Referred to %(agency)s.") % {"agency": complaint.referred_to_agency}
    if reason == ClosureReason.WITHDRAWN:
        return _("Withdrawn.")
    return _("Closed.")


# The clocks of a service standard that tell the citizen what to expect, with their wording.
NOTICE_CLOCKS = (ClockName.VERIFY, ClockName.STATUTORY_ANSWER, ClockName.RESOLUTION)


def service_notice(standard: ServiceStandard, clocks: Iterable[ClockPolicy]) -> str | None:
    """What the published service standard promises, from the version the complaint pinned
    and its `clocks`, e.g. "Verification within 3 working days; a first answer within 14
    calendar days; resolution within 60 calendar days (UU 25/2009 tentang Pelayanan
    Publik)."""
    wording = {
        ClockName.VERIFY: _("verification within %(time)s"),
        ClockName.STATUTORY_ANSWER: _("a first answer within %(time)s"),
        ClockName.RESOLUTION: _("resolution within %(time)s"),
    }
    policies = {p.name: p for p in clocks}
    parts = [
        wording[name] % {"time": f"{policies[name].duration} {policies[name].get_unit_display()}"}
        for name in NOTICE_CLOCKS if name in policies
    ]
    if not parts:
        return None
    notice = "; ".join(parts)
    notice = notice[0].upper() + notice[1:]
    if standard.legal_reference:
        notice += f" ({standard.legal_reference})"
    return notice + "."
