"""The time-driven part of the workflow: one pass warns, escalates breaches, withdraws
complaints whose information never came, and auto-closes those whose reply window ended.

Safe to run on several machines at once: each batch claims its complaints with
`SELECT … FOR UPDATE SKIP LOCKED`, so a complaint held by another sweeper (or by a person
acting on it) is left for the next pass; and each step re-checks its condition under the
complaint's lock, so nothing is done twice. Locks are always taken complaint first, then
clocks — the same order as every transition — so sweepers and users cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.db.models import Q

from complaints.models import Complaint
from workflow import services
from workflow.errors import WorkflowError
from workflow.models import SWEEP_DUE, SWEEP_WARN, Clock
from workflow.permissions import SYSTEM
from workflow.states import Action, ClockName

log = logging.getLogger(__name__)

BATCH = 200
# Clocks whose expiry is a transition rather than an escalation.
EXPIRY_ACTIONS = {ClockName.INFO_WAIT: Action.WITHDRAW, ClockName.REPLY_WINDOW: Action.AUTO_CLOSE}


def due_complaint_ids(now: dt.datetime, exclude: set[int], limit: int) -> list[int]:
    """Complaints with something due, found through the two partial sweep indexes."""
    warn = Clock.objects.filter(SWEEP_WARN, warn_at__lte=now)
    due = Clock.objects.filter(SWEEP_DUE, due_at__lt=now)
    ids: list[int] = []
    for query in (due.order_by("due_at"), warn.order_by("warn_at")):
        query = query.exclude(complaint_id__in=exclude | set(ids)) if exclude or ids else query
        ids += query.values_list("complaint_id", flat=True)[: limit - len(ids)]
        if len(ids) >= limit:
            break
    return list(dict.fromkeys(ids))


def sweep(*, now: dt.datetime, batch: int = BATCH) -> Counter[str]:
    """One pass; returns what it did, by kind."""
    done: Counter[str] = Counter()
    seen: set[int] = set()
    while candidates := due_complaint_ids(now, seen, batch):
        seen.update(candidates)
        with transaction.atomic():
            claimed = Complaint.objects.select_for_update(skip_locked=True).filter(
                pk__in=candidates).values_list("pk", flat=True)
            for complaint_id in claimed:
                _sweep_complaint(complaint_id, now, done)
    return done


def _sweep_complaint(complaint_id: int, now: dt.datetime, done: Counter[str]) -> None:
    clocks = Clock.objects.filter(
        Q(SWEEP_WARN, warn_at__lte=now) | Q(SWEEP_DUE, due_at__lt=now),
        complaint_id=complaint_id,
    ).order_by("due_at")
    for clock in clocks:
        try:
            with transaction.atomic():  # one savepoint per step: a failure skips only it
                kind = _sweep_clock(clock, now)
        except WorkflowError as error:
            log.warning("sweeper: %s on complaint %s: %s", clock.name, complaint_id, error)
            done["failed"] += 1
            continue
        if kind:
            done[kind] += 1


def _sweep_clock(clock: Clock, now: dt.datetime) -> str | None:
    if clock.name in EXPIRY_ACTIONS and clock.due_at < now:
        action = EXPIRY_ACTIONS[ClockName(clock.name)]
        services.complaint_transition(complaint=clock.complaint_id, action=action,
                                      actor=SYSTEM, now=now)
        return action
    if clock.due_at < now:
        return "breached" if services.clock_breach(clock.pk, now=now) else None
    return "warned" if services.clock_warn(clock.pk, now=now) else None
