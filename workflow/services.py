"""The one write path for complaints.

`complaint_submit` creates a complaint; `complaint_transition` performs every action of the
workflow table. Both run in one transaction: lock, check, apply, audit, clocks, outbox. The
REST API, staff pages, Open311, the admin and the sweeper call these and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import can_proceed

from complaints.attachments import check as attachment_check
from complaints.identifiers import new_access_token, new_tracking_number
from complaints.models import (
    STAFF_INTAKE_CHANNELS,
    Attachment,
    Channel,
    Complaint,
    Feedback,
    Reporter,
    Service,
    Visibility,
)
from workflow import audit, clocks, notifications, payloads, permissions
from workflow.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from workflow.models import Clock
from workflow.permissions import Actor
from workflow.states import Action, ClockName, Role, State

CITIZEN_CHANNELS = (Channel.WEB, Channel.API, Channel.OPEN311)
REPORTER_FIELDS = ("name", "email", "phone", "id_number", "address")
# The clocks every complaint starts when it is received (DESIGN.md, SLA clocks).
AT_RECEIPT = (ClockName.VERIFY, ClockName.STATUTORY_ANSWER, ClockName.RESOLUTION)


@dataclass(frozen=True)
class Submitted:
    complaint: Complaint
    access_token: str  # shown to the citizen once (empty for a referral: the original's opens it)
    clocks: tuple[Clock, ...] = ()  # the clocks started on receipt, saved


def complaint_submit(
    *,
    actor: Actor,
    service: Service,
    title: str,
    description: str,
    visibility: str = Visibility.PUBLIC,
    channel: str | None = None,
    reporter: Mapping[str, Any] | None = None,
    location_text: str = "",
    latitude: Any = None,
    longitude: Any = None,
    received_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    referred_from: Complaint | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Submitted:
    """Receive a complaint: tracking number and access token, pinned standard, first event,
    clocks started, acknowledgement queued."""
    now = now or timezone.now()
    role = permissions.may_submit(actor)
    if role is None:
        raise NotPermitted(_("You may not submit complaints."))
    channel = _channel(role, channel, referred_from)
    received_at = _received_at(role, received_at, now)
    fields = _submission_fields(title, description, visibility, location_text, latitude,
                                longitude)
    if not service.takes_complaints:
        raise InvalidInput(_("This service no longer takes complaints."),
                           errors={"service": "inactive"})
    standard = service.standard_on(timezone.localtime(received_at, service.agency.zone).date())
    if standard is None:
        raise InvalidInput(_("This service has no published standard in force yet."),
                           errors={"service": "no standard in force"})
    checked = _check_attachments(attachments)
    token, token_hash = new_access_token()
    if referred_from is not None:
        # The citizen's one access token opens both the original and the linked complaint.
        token, token_hash = "", referred_from.access_token_hash
    contact = _reporter_fields(reporter)
    record = {"service": service.code, "standard_version": standard.version, "channel": channel,
              "visibility": fields["visibility"], "received_at": audit.format_time(received_at)}
    if referred_from is not None:
        record["referred_from"] = referred_from.tracking_number
    if checked:
        record["attachments"] = [{"name": i.name, "sha256": i.sha256} for _u, i in checked]

    def receive(tracking_number: str) -> Submitted:
        with transaction.atomic():
            complaint = Complaint(
                tracking_number=tracking_number, access_token_hash=token_hash,
                agency=service.agency, service=service, standard=standard, channel=channel,
                received_at=received_at, **fields,
            )
            # Clocks count from the real time of receipt, which staff intake may put in the
            # past.
            started = clocks.first(complaint, AT_RECEIPT, received_at)
            complaint.next_due = clocks.earliest_due(started)
            complaint.save(force_insert=True)
            if any(contact[k] for k in REPORTER_FIELDS):
                Reporter.objects.create(complaint=complaint, **contact)
            for upload, info in checked:
                Attachment.objects.create(
                    complaint=complaint, file=File(upload, name=info.name),
                    original_name=info.name, content_type=info.content_type, size=info.size,
                    sha256=info.sha256, uploaded_by_role=role,
                )
            event = audit.append_event(complaint, action="submit", actor=actor, role=role,
                                       now=now, to_state=complaint.state, payload=record,
                                       first=True)
            Clock.objects.bulk_create(started)
            notifications.queue(complaint, event)
        return Submitted(complaint, token, tuple(started))

    return _with_unused_tracking_number(receive)


def _check_attachments(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, Any]]:
    if len(files) > settings.ATTACHMENT_MAX_COUNT:
        raise InvalidInput(ngettext("At most %(count)d attachment.",
                                    "At most %(count)d attachments.",
                                    settings.ATTACHMENT_MAX_COUNT)
                           % {"count": settings.ATTACHMENT_MAX_COUNT},
                           errors={"attachments": "too many"})
    return [(f, attachment_check(f, f.name or "", f.size or 0)) for f in files]


def _channel(role: Role, channel: str | None, referred_from: Complaint | None) -> str:
    if referred_from is not None:
        return Channel.REFERRAL
    allowed = CITIZEN_CHANNELS if role == Role.CITIZEN else STAFF_INTAKE_CHANNELS
    channel = channel or allowed[0]
    if channel not in allowed:
        raise InvalidInput(_("This channel cannot be used here."),
                           errors={"channel": f"one of {[str(c) for c in allowed]}"})
    return channel


def _received_at(role: Role, received_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if received_at is None:
        return now
    if role == Role.CITIZEN:
        raise InvalidInput(_("Only staff recording a complaint may set the time of receipt."),
                           errors={"received_at": "not allowed"})
    if timezone.is_naive(received_at):
        raise InvalidInput(_("received_at needs a time zone."), errors={"received_at": "naive"})
    if received_at > now:
        raise InvalidInput(_("received_at cannot be in the future."),
                           errors={"received_at": "in the future"})
    return received_at


def _submission_fields(
    title: str, description: str, visibility: str, location_text: str, latitude: Any,
    longitude: Any,
) -> dict[str, Any]:
    text = {"title": title, "description": description, "location_text": location_text}
    cleaned = {k: payloads._text(text, k, required=k != "location_text") for k in text}
    if len(cleaned["title"]) > 200 or len(cleaned["location_text"]) > 300:
        raise InvalidInput(_("Title or location is too long."),
                           errors={"title": "at most 200", "location_text": "at most 300"})
    if visibility not in Visibility.values:
        raise InvalidInput(_("visibility is not known."),
                           errors={"visibility": f"one of {Visibility.values}"})
    cleaned["visibility"] = visibility
    cleaned["latitude"] = _coordinate("latitude", latitude, 90)
    cleaned["longitude"] = _coordinate("longitude", longitude, 180)
    return cleaned


def _coordinate(name: str, value: Any, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise InvalidInput(_("%(field)s must be a number from -%(limit)d to %(limit)d.")
                           % {"field": name, "limit": limit},
                           errors={name: f"from -{limit} to {limit}"})
    return number


def _reporter_fields(reporter: Mapping[str, Any] | None) -> dict[str, Any]:
    reporter = reporter or {}
    if not isinstance(reporter, Mapping):
        raise InvalidInput(_("reporter must be an object."), errors={"reporter": "not an object"})
    fields: dict[str, Any] = {}
    for name in REPORTER_FIELDS:
        value = payloads._text(reporter, name, required=False)
        limit = Reporter._meta.get_field(name).max_length
        if len(value) > limit:
            raise InvalidInput(_("reporter %(field)s is too long.") % {"field": name},
                               errors={f"reporter.{name}": f"at most {limit} characters"})
        fields[name] = value
    if fields["email"]:
        try:
            validate_email(fields["email"])
        except ValidationError:
            raise InvalidInput(_("reporter email is not an e-mail address."),
                               errors={"reporter.email": "invalid"}) from None
    fields["consent_to_share"] = reporter.get("consent_to_share", False) in (True, "true", "1")
    return fields


TRACKING_NUMBER_DRAWS = 3


def _with_unused_tracking_number(receive: Callable[[str], Submitted]) -> Submitted:
    """`receive` a complaint under a new tracking number. Numbers are drawn at random from
    2.6e13 (complaints.identifiers), so two complaints almost never draw the same one: the
    unique index refuses the second, whose transaction is rolled back and received again
    under another number. Looking for the number first would cost every submission a read,
    and two submissions could both find it free."""
    for _draw in range(TRACKING_NUMBER_DRAWS - 1):
        number = new_tracking_number()
        try:
            return receive(number)
        except IntegrityError:
            if not Complaint.objects.filter(tracking_number=number).exists():
                raise  # another constraint
    return receive(new_tracking_number())


def complaint_transition(
    *,
    complaint: Complaint | int,
    action: str,
    actor: Actor,
    payload: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Perform one workflow action. Raises NotPermitted (403), TransitionNotAllowed (409) or
    InvalidInput (400); on any error nothing is written."""
    now = now or timezone.now()
    if action not in payloads.VALIDATORS:
        raise InvalidInput(_("Unknown action “%(action)s”.") % {"action": action},
                           errors={"action": "unknown"})
    with transaction.atomic():
        locked = _lock(complaint if isinstance(complaint, int) else complaint.pk)
        locked.evaluated_at = now
        # Who first, then when: an action this actor may never take on this complaint is
        # 403 whatever its state; one they may take, but not now, is 409.
        role = permissions.acting_role(actor, action, locked)
        if role is None:
            raise NotPermitted(_("You may not take the action “%(action)s” on this complaint.")
                               % {"action": Action(action).label})
        method = getattr(locked, action)
        if not can_proceed(method) or not permissions.role_may_act_now(role, action, locked):
            raise TransitionNotAllowed(
                _("“%(action)s” is not possible now: the complaint is “%(state)s”.")
                % {"action": Action(action).label, "state": State(locked.state).label},
                available=available_actions(locked, actor, now=now),
            )
        data, record = payloads.VALIDATORS[action](payload or {}, locked)
        from_state = locked.state
        method(now=now, data=data)
        locked.next_due = clocks.earliest_due(clocks.apply(locked, action, now, data))
        locked.save()
        _side_records(locked, action, actor, data, now)
        event = audit.append_event(locked, action=action, actor=actor, role=role, now=now,
                                   from_state=from_state, to_state=locked.state, payload=record)
        notifications.queue(locked, event)
    return locked


def _lock(pk: int) -> Complaint:
    """Take the complaint's row lock, then read it with its relations.

    The row lock serialises every change to one complaint: the loser of a race waits, then
    sees the winner's state and fails cleanly instead of overwriting it. The lock is taken
    without joins because PostgreSQL re-checks only the locked row after the wait: joined
    rows would still be the pre-wait ones (a unit of None beside a unit_id that is set).
    """
    Complaint.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return Complaint.objects.select_related("agency", "unit", "standard").get(pk=pk)


def _side_records(
    complaint: Complaint, action: str, actor: Actor, data: dict[str, Any], now: dt.datetime
) -> None:
    if action == Action.ACCEPT:
        Feedback.objects.create(complaint=complaint, rating=data["rating"],
                                comment=data["comment"], created_at=now)
    elif action == Action.REFER and data.get("service") is not None:
        linked = _open_referral(complaint, actor, data["service"], now)
        complaint.referred_to = linked
        complaint.save(update_fields=["referred_to"])


def _open_referral(complaint: Complaint, actor: Actor, service: Service, now: dt.datetime
                   ) -> Complaint:
    reporter = Reporter.objects.filter(complaint=complaint).first()
    contact = {k: getattr(reporter, k) for k in (*REPORTER_FIELDS, "consent_to_share")} \
        if reporter else None
    return complaint_submit(
        actor=actor, service=service, title=complaint.title,
        description=complaint.description, visibility=complaint.visibility, reporter=contact,
        location_text=complaint.location_text, latitude=complaint.latitude,
        longitude=complaint.longitude, now=now, referred_from=complaint,
    ).complaint


def available_actions(complaint: Complaint, actor: Actor, *, now: dt.datetime | None = None
                      ) -> list[str]:
    """The actions `actor` may take on `complaint` now, in workflow-table order."""
    complaint.evaluated_at = now or timezone.now()
    names = {t.name for t in complaint.get_available_user_state_transitions(actor)}
    return [a for a in Action.values if a in names]


def reporter_for(complaint: Complaint, actor: Actor, *, now: dt.datetime | None = None
                 ) -> Reporter | None:
    """The reporter's identity for someone allowed to see it; each view is an audit event."""
    if not permissions.may_view_identity(actor, complaint):
        return None
    reporter = Reporter.objects.filter(complaint=complaint).first()
    if reporter is None or actor.kind == "citizen":
        return reporter
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(complaint.pk)
        roles = permissions.roles_on(actor, locked)
        role = next(r for r in (Role.ADMINISTRATOR, Role.OMBUDSMAN, Role.COORDINATOR,
                                Role.SUPERVISOR, Role.OFFICER) if r in roles)
        audit.append_event(locked, action="identity_viewed", actor=actor, role=role, now=now)
    return reporter


def clock_warn(clock_id: int, *, now: dt.datetime) -> bool:
    """Record that a clock passed its warning point and warn whoever must act; once."""
    return _clock_event(clock_id, "clock_warning", now)


def clock_breach(clock_id: int, *, now: dt.datetime) -> bool:
    """Record that a clock passed its deadline and escalate to the supervisor; once."""
    return _clock_event(clock_id, "clock_breached", now)


def _clock_event(clock_id: int, action: str, now: dt.datetime) -> bool:
    """Returns False when there was nothing (any more) to record: the check is repeated
    under the complaint's lock, so two sweepers never record the same thing twice."""
    from workflow.models import Clock

    with transaction.atomic():
        complaint_id = Clock.objects.filter(pk=clock_id).values_list("complaint_id", flat=True)
        complaint = _lock(complaint_id.get())
        clock = Clock.objects.get(pk=clock_id)
        if clock.stopped_at is not None or clock.paused_at is not None:
            return False
        if action == "clock_warning":
            if clock.warned_at is not None or clock.warn_at > now:
                return False
            clock.warned_at = now
        else:
            if clock.breached_at is not None or clock.due_at >= now:
                return False
            clock.breached_at = clock.due_at
            clock.warned_at = clock.warned_at or now
        clock.save(update_fields=["warned_at", "breached_at"])
        event = audit.append_event(
            complaint, action=action, actor=permissions.SYSTEM, role=Role.SYSTEM, now=now,
            payload={"clock": clock.name, "cycle": clock.cycle,
                     "due_at": audit.format_time(clock.due_at)},
        )
        notifications.queue(complaint, event)
    return True
