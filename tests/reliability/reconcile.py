"""Reconciling the database with what the clients were told, and checking that nothing is
half-written. Each check returns a list of problems (empty when all is well), so a failing
test names every discrepancy instead of the first one."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db.models import Count

from complaints.models import Complaint
from complaints.selectors import complaint_for_citizen
from tests.reliability.load import Outcome
from workflow.audit import verify_events
from workflow.models import Clock, Event, Notification

STARTING_CLOCKS = {"verify", "statutory_answer", "resolution"}
# Events that are not workflow actions and so change no state.
STATELESS = {"clock_warning", "clock_breached", "identity_viewed"}


def answers(outcomes: list[Outcome], *, faults: bool) -> list[str]:
    """No 5xx at all; every 4xx has the one error shape; a 409 only where a race explains it
    (one of two requests sent at once, or a retry after an answer that never came); no
    other refusal. Without faults every request is answered, and of two identical
    transitions sent at once exactly one succeeds."""
    problems = []
    for o in outcomes:
        where = f"{o.op} {o.action} {o.tracking_number} (client {o.client})"
        if o.status is None:
            if not faults:
                problems.append(f"no answer to {where}: {o.detail}")
        elif o.status >= 500:
            problems.append(f"{o.status} for {where}: {o.detail}")
        elif not o.error_shape:
            problems.append(f"{o.status} without the error shape for {where}: {o.detail}")
        elif o.status == 409:
            if o.code != "transition_not_allowed" or not (o.raced or o.after_unknown):
                problems.append(f"409 {o.code} not explained by a race: {where}")
        elif o.status not in (200, 201):
            problems.append(f"{o.status} {o.code} for {where}: {o.detail}")
    if not faults:
        for group in _groups(o for o in outcomes if o.op == "transition" and o.raced):
            if sorted(o.status or 0 for o in group) != [200, 409]:
                problems.append(f"double {group[0].action} on {group[0].tracking_number}: "
                                f"{[o.status for o in group]}")
    return problems


def acknowledged(outcomes: list[Outcome], *, others: Iterable[str] = ()) -> list[str]:
    """Every 201 has its complaint, and its access token opens it; one key, one complaint
    (replays carry the same number and token); and no complaint the clients were not told
    about, beyond what answers that never came explain. `others`: tracking numbers of
    complaints the test made itself."""
    problems = []
    submits = [o for o in outcomes if o.op == "submit"]
    created = [o for o in submits if o.status == 201]
    for o in created:
        if complaint_for_citizen(o.tracking_number, o.access_token) is None:
            problems.append(f"acknowledged {o.tracking_number} is missing or refuses its token")
    by_key: dict[str, list[Outcome]] = defaultdict(list)
    for o in submits:
        if o.key:
            by_key[o.key].append(o)
    unknown = sum(1 for o in submits if not o.key and o.status is None)
    for key, group in by_key.items():
        told = {(o.tracking_number, o.access_token) for o in group if o.status == 201}
        fresh = [o for o in group if o.status == 201 and not o.replayed]
        if len(told) > 1 or len(fresh) > 1:
            problems.append(f"Idempotency-Key {key}: {len(fresh)} new answers, {told}")
        if not told and any(o.status is None for o in group):
            unknown += 1
    numbers = {o.tracking_number for o in created}
    stored = set(Complaint.objects.values_list("tracking_number", flat=True))
    unexplained = stored - numbers - set(others)
    if len(unexplained) > unknown:
        problems.append(f"{len(unexplained)} complaints nobody was told about, but only "
                        f"{unknown} submissions went unanswered: {sorted(unexplained)[:5]}")
    return problems


def transition_events(outcomes: list[Outcome]) -> list[str]:
    """Per complaint and action: as many events as successful answers, plus at most one per
    attempt whose answer never came (it may have committed)."""
    succeeded: Counter[tuple[str, str]] = Counter()
    unknown: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        if o.op == "transition":
            key = (o.tracking_number, o.action)
            succeeded[key] += o.status == 200
            unknown[key] += o.status is None
    numbers = {o.tracking_number for o in outcomes if o.tracking_number}
    recorded: Counter[tuple[str, str]] = Counter()
    rows = (Event.objects.filter(complaint__tracking_number__in=numbers)
            .exclude(action__in=STATELESS | {"submit"})
            .values_list("complaint__tracking_number", "action").annotate(n=Count("id")))
    for number, action, n in rows:
        recorded[(number, action)] = n
    problems = []
    for key in sorted(set(succeeded) | set(recorded)):
        if not succeeded[key] <= recorded[key] <= succeeded[key] + unknown[key]:
            problems.append(f"{key}: {recorded[key]} events for {succeeded[key]} successes "
                            f"and {unknown[key]} unknown outcomes")
    return problems


def whole_records(*, notified: bool = True) -> list[str]:
    """Nothing half-written: every complaint has its submit event, its three starting clocks
    and (when the reporter gave an address) its acknowledgement queued; its chain verifies;
    every transition event starts from the state the previous one ended in; the stored state
    is the last event's; a closed complaint has no open clock."""
    problems = []
    complaints = {c.pk: c for c in Complaint.objects.only(
        "tracking_number", "state", "received_at", "closed_at", "closure_reason")}
    clocks: dict[int, list[Clock]] = defaultdict(list)
    for clock in Clock.objects.all():
        clocks[clock.complaint_id].append(clock)
    acknowledgements = set(Notification.objects.filter(event__action="submit")
                           .values_list("event__complaint_id", flat=True))
    events = Event.objects.order_by("complaint_id", "seq").iterator(chunk_size=2000)
    seen = set()
    for complaint_id, group in itertools.groupby(events, key=lambda e: e.complaint_id):
        complaint = complaints[complaint_id]
        seen.add(complaint_id)
        chain = list(group)
        problems += _record(complaint, chain, clocks[complaint_id])
        if notified and complaint_id not in acknowledgements:
            problems.append(f"{complaint}: no acknowledgement queued")
    for complaint_id in complaints.keys() - seen:
        problems.append(f"{complaints[complaint_id]}: no events at all")
    return problems


def _record(complaint: Complaint, chain: list[Event], clocks: list[Clock]) -> list[str]:
    problems = []
    first = chain[0]
    if (first.seq, first.action, first.to_state) != (1, "submit", "received"):
        problems.append(f"{complaint}: first event is {first}")
    report = verify_events(complaint.tracking_number, chain)
    if not report.ok:
        problems.append(f"{complaint}: chain broken at {report.broken_seq}: {report.reason}")
    state = ""
    for event in chain:
        if event.action in STATELESS:
            if event.from_state or event.to_state:
                problems.append(f"{complaint}: {event} changes state")
            continue
        if event.from_state != state:
            problems.append(f"{complaint}: {event} from {event.from_state!r}, chain at {state!r}")
        state = event.to_state
    if complaint.state != state:
        problems.append(f"{complaint}: state {complaint.state}, last event says {state}")
    starting = {c.name for c in clocks if c.cycle == 1 and c.started_at == complaint.received_at}
    if not STARTING_CLOCKS <= starting:
        problems.append(f"{complaint}: starting clocks {sorted(starting)}")
    if complaint.state == "closed":
        if complaint.closed_at is None or not complaint.closure_reason:
            problems.append(f"{complaint}: closed without closed_at or closure_reason")
        if any(c.stopped_at is None for c in clocks):
            problems.append(f"{complaint}: closed with a clock still open")
    return problems


def sweeps_once() -> list[str]:
    """No clock was warned about or recorded as breached twice."""
    rows = (Event.objects.filter(action__in=["clock_warning", "clock_breached"])
            .values_list("complaint__tracking_number", "action", "payload__clock",
                         "payload__cycle")
            .annotate(n=Count("id")).filter(n__gt=1))
    return [f"{number}: {action} of {clock} cycle {cycle} recorded {n} times"
            for number, action, clock, cycle, n in rows]


def _groups(outcomes: Iterable[Outcome]) -> list[list[Outcome]]:
    grouped: dict[int, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        grouped[o.group].append(o)
    return list(grouped.values())
