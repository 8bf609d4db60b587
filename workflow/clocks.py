"""SLA clocks of a complaint: started, stopped, paused, resumed and extended by the workflow.

Called only by workflow.services, inside its transaction and under the complaint's row lock.
The effects of each action follow the SLA table of DESIGN.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from workflow import calendar
from workflow.errors import InvalidInput, TransitionNotAllowed
from workflow.models import Clock
from workflow.states import CITIZEN_CLOCKS, Action, ClockName

if TYPE_CHECKING:
    from complaints.models import ClockPolicy, Complaint, ComplexityTier


def counts_for_next_due(clock: Any) -> bool:
    """Whether `clock` (a Clock, or anything with its name, stopped_at and paused_at) is a
    running clock the agency owes; the citizen's own windows do not count."""
    return clock.stopped_at is None and clock.paused_at is None \
        and clock.name not in CITIZEN_CLOCKS


def earliest_due(clocks: Iterable[Clock]) -> dt.datetime:
    """Complaint.next_due: the earliest deadline of the clocks that count for it,
    NO_DEADLINE when none runs."""
    from complaints.models import NO_DEADLINE

    return min((c.due_at for c in clocks if counts_for_next_due(c)), default=NO_DEADLINE)


def next_due(complaint: Complaint) -> dt.datetime:
    """Complaint.next_due from the clocks as they now are; the workflow service stores it
    with every change of the clocks."""
    return earliest_due(complaint.clocks.filter(stopped_at__isnull=True, paused_at__isnull=True)
                        .only("complaint", "name", "due_at", "stopped_at", "paused_at"))


def _warn_at(started_at: dt.datetime, due_at: dt.datetime, fraction: Any) -> dt.datetime:
    return started_at + (due_at - started_at) * float(fraction)


def _new(complaint: Complaint, policy: ClockPolicy, cycle: int, now: dt.datetime,
         tier: ComplexityTier | None = None) -> Clock:
    duration, unit = (tier.duration, tier.unit) if tier else (policy.duration, policy.unit)
    due_at = calendar.deadline(complaint.agency.calendar, now, duration, unit)
    return Clock(
        complaint=complaint, name=policy.name, cycle=cycle, duration=duration, unit=unit,
        warning_fraction=policy.warning_fraction, pausable=policy.pausable,
        ceiling=policy.ceiling, started_at=now, due_at=due_at,
        warn_at=_warn_at(now, due_at, policy.warning_fraction),
    )


def first(complaint: Complaint, names: Iterable[str], received_at: dt.datetime) -> list[Clock]:
    """The clocks a new complaint starts at its receipt (first cycles, from its pinned
    standard; one it lacks has no such deadline), not yet saved: the submission reads the
    policies once and writes the complaint's next_due with the complaint itself."""
    policies = {p.name: p for p in complaint.standard.clocks.all()}
    return [_new(complaint, policies[name], 1, received_at) for name in names
            if name in policies]


def start(
    complaint: Complaint, name: str, now: dt.datetime, *, tier: ComplexityTier | None = None,
) -> Clock | None:
    """Start a clock from the complaint's pinned standard; a standard without that clock
    simply has no such deadline."""
    policy = complaint.standard.clocks.filter(name=name).first()
    if policy is None:
        return None
    previous = complaint.clocks.filter(name=name).order_by("-cycle").first()
    clock = _new(complaint, policy, previous.cycle + 1 if previous else 1, now, tier)
    clock.save(force_insert=True)
    return clock


def _open(complaint: Complaint, *names: str) -> list[Clock]:
    clocks = complaint.clocks.filter(stopped_at__isnull=True)
    if names:
        clocks = clocks.filter(name__in=names)
    return list(clocks)


def stop(complaint: Complaint, now: dt.datetime, *names: str) -> None:
    """Stop the named open clocks (all open clocks when no name is given). A paused clock is
    resumed first, so its deadline reflects the pause before it is judged."""
    for clock in _open(complaint, *names):
        if clock.paused_at is not None:
            _resume(complaint, clock, now)
        clock.stopped_at = now
        if now > clock.due_at and clock.breached_at is None:
            clock.breached_at = clock.due_at
        clock.save()


def pause(complaint: Complaint, now: dt.datetime) -> None:
    for clock in _open(complaint):
        if clock.pausable and clock.paused_at is None:
            clock.paused_at = now
            clock.save(update_fields=["paused_at"])


def resume(complaint: Complaint, now: dt.datetime) -> None:
    for clock in _open(complaint):
        if clock.paused_at is not None:
            _resume(complaint, clock, now)
            clock.save()


def _resume(complaint: Complaint, clock: Clock, now: dt.datetime) -> None:
    # The deadline moves by the working (or calendar) time the clock was paused, so the
    # agency never loses time that it spent waiting for the citizen.
    paused_at = clock.paused_at
    assert paused_at is not None
    cal = complaint.agency.calendar
    clock.due_at = calendar.shift_for_pause(cal, clock.due_at, paused_at, now, clock.unit)
    clock.warn_at = _warn_at(clock.started_at, clock.due_at, clock.warning_fraction)
    clock.paused_seconds += (now - paused_at).total_seconds()
    clock.paused_at = None


def extend(
    complaint: Complaint, now: dt.datetime, *, name: str, amount: int, reason: str
) -> Clock:
    """Extend one open clock, once, never past the ceiling of the pinned standard."""
    clock = complaint.clocks.filter(name=name, stopped_at__isnull=True).first()
    if clock is None:
        raise TransitionNotAllowed(_("The deadline “%(clock)s” is not running.")
                                   % {"clock": ClockName(name).label})
    if clock.extended_by:
        raise TransitionNotAllowed(_("The deadline “%(clock)s” was already extended once.")
                                   % {"clock": ClockName(name).label})
    if clock.ceiling is None or clock.ceiling <= clock.duration:
        raise TransitionNotAllowed(
            _("The deadline “%(clock)s” has a statutory limit and cannot be extended.")
            % {"clock": ClockName(name).label})
    room = clock.ceiling - clock.duration
    if amount > room:
        raise InvalidInput(
            _("The deadline “%(clock)s” can be extended by at most %(room)d %(unit)s.")
            % {"clock": ClockName(name).label, "room": room, "unit": clock.get_unit_display()},
            errors={"amount": f"at most {room}"},
        )
    # Counted on from the current deadline, so time already paused is kept.
    clock.due_at = calendar.deadline(complaint.agency.calendar, clock.due_at, amount, clock.unit)
    clock.extended_by = amount
    clock.extension_reason = reason
    clock.warn_at = _warn_at(clock.started_at, clock.due_at, clock.warning_fraction)
    clock.save()
    return clock


def apply(complaint: Complaint, action: str, now: dt.datetime, data: dict[str, Any]) -> None:
    """The clock effects of one workflow action."""
    if action == Action.ASSIGN:
        stop(complaint, now, ClockName.VERIFY)
        start(complaint, ClockName.FIRST_RESPONSE, now, tier=data["tier"])
    elif action == Action.REQUEST_INFO:
        # A request for information is the first answer UU 25/2009 asks for.
        stop(complaint, now, ClockName.STATUTORY_ANSWER)
        pause(complaint, now)
        start(complaint, ClockName.INFO_WAIT, now)
    elif action == Action.PROVIDE_INFO:
        stop(complaint, now, ClockName.INFO_WAIT)
        resume(complaint, now)
    elif action == Action.EXTEND:
        extend(complaint, now, name=data["clock"], amount=data["amount"], reason=data["reason"])
    elif action == Action.RESPOND:
        stop(complaint, now, ClockName.INFO_WAIT)
        resume(complaint, now)
        stop(complaint, now, ClockName.FIRST_RESPONSE, ClockName.STATUTORY_ANSWER)
        start(complaint, ClockName.REPLY_WINDOW, now)
    elif action == Action.DISPUTE:
        stop(complaint, now, ClockName.REPLY_WINDOW)
        start(complaint, ClockName.FIRST_RESPONSE, now, tier=data.get("tier"))
    elif action in (Action.ACCEPT, Action.AUTO_CLOSE, Action.REJECT, Action.REFER,
                    Action.WITHDRAW):
        stop(complaint, now)
