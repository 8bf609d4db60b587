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


def start(complaint: Complaint, clocks: list[Clock], name: str, now: dt.datetime, *,
          tier: ComplexityTier | None = None) -> Clock | None:
    """Start a clock from the complaint's pinned standard, as the next cycle of that clock
    among `clocks`, and add it to them; a standard without that clock simply has no such
    deadline."""
    policy = complaint.standard.clocks.filter(name=name).first()
    if policy is None:
        return None
    cycle = max((c.cycle for c in clocks if c.name == name), default=0) + 1
    clock = _new(complaint, policy, cycle, now, tier)
    clock.save(force_insert=True)
    clocks.append(clock)
    return clock


def _open(clocks: list[Clock], *names: str) -> list[Clock]:
    return [c for c in clocks if c.stopped_at is None and (not names or c.name in names)]


def stop(complaint: Complaint, clocks: list[Clock], now: dt.datetime, *names: str) -> None:
    """Stop the named open clocks (all open clocks when no name is given). A paused clock is
    resumed first, so its deadline reflects the pause before it is judged."""
    for clock in _open(clocks, *names):
        if clock.paused_at is not None:
            _resume(complaint, clock, now)
        clock.stopped_at = now
        if now > clock.due_at and clock.breached_at is None:
            clock.breached_at = clock.due_at
        clock.save()


def pause(clocks: list[Clock], now: dt.datetime) -> None:
    for clock in _open(clocks):
        if clock.pausable and clock.paused_at is None:
            clock.paused_at = now
            clock.save(update_fields=["paused_at"])


def resume(complaint: Complaint, clocks: list[Clock], now: dt.datetime) -> None:
    for clock in _open(clocks):
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


def extend(complaint: Complaint, clocks: list[Clock], *, name: str, amount: int, reason: str
           ) -> Clock:
    """Extend one open clock, once, never past the ceiling of the pinned standard."""
    clock = next(iter(_open(clocks, name)), None)
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


def apply(complaint: Complaint, action: str, now: dt.datetime, data: dict[str, Any]
          ) -> list[Clock]:
    """The clock effects of one workflow action, on the complaint's clocks read once; returns
    them as they now are, any started included (for next_due)."""
    clocks = list(complaint.clocks.all())
    if action == Action.ASSIGN:
        stop(complaint, clocks, now, ClockName.VERIFY)
        start(complaint, clocks, ClockName.FIRST_RESPONSE, now, tier=data["tier"])
    elif action == Action.REQUEST_INFO:
        # A request for information is the first answer UU 25/2009 asks for.
        stop(complaint, clocks, now, ClockName.STATUTORY_ANSWER)
        pause(clocks, now)
        start(complaint, clocks, ClockName.INFO_WAIT, now)
    elif action == Action.PROVIDE_INFO:
        stop(complaint, clocks, now, ClockName.INFO_WAIT)
        resume(complaint, clocks, now)
    elif action == Action.EXTEND:
        extend(complaint, clocks, name=data["clock"], amount=data["amount"],
               reason=data["reason"])
    elif action == Action.RESPOND:
        stop(complaint, clocks, now, ClockName.INFO_WAIT)
        resume(complaint, clocks, now)
        stop(complaint, clocks, now, ClockName.FIRST_RESPONSE, ClockName.STATUTORY_ANSWER)
        start(complaint, clocks, ClockName.REPLY_WINDOW, now)
    elif action == Action.DISPUTE:
        stop(complaint, clocks, now, ClockName.REPLY_WINDOW)
        start(complaint, clocks, ClockName.FIRST_RESPONSE, now, tier=data.get("tier"))
    elif action in (Action.ACCEPT, Action.AUTO_CLOSE, Action.REJECT, Action.REFER,
                    Action.WITHDRAW):
        stop(complaint, clocks, now)
    return clocks
