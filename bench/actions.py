"""What each workflow action costs: `workflow.services.complaint_transition` in process, on
complaints of the measured agency that the action can be taken on now, each call in a
transaction rolled back so the data stay as generated. Reported against a one-row INSERT
rolled back the same way, interleaved; no target (the HTTP load measures one action against
the issue's target). Answers what the single reassign of the load does not: how much more
an action that starts, pauses or stops clocks costs a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from bench.measure import BenchError, Result, median, ratio
from bench.queries import insert_row
from complaints.models import Complaint, Membership
from workflow.permissions import Actor
from workflow.services import available_actions, complaint_transition
from workflow.states import Action, ClockName, Role, State

# action: (state of the complaints it is measured on, who takes it)
ACTIONS = {
    Action.ASSIGN: (State.RECEIVED, Role.COORDINATOR),
    Action.REASSIGN: (State.ASSIGNED, Role.COORDINATOR),
    Action.REQUEST_INFO: (State.ASSIGNED, Role.OFFICER),
    Action.PROVIDE_INFO: (State.ASSIGNED, Role.CITIZEN),
    Action.EXTEND: (State.ASSIGNED, Role.SUPERVISOR),
    Action.RESPOND: (State.ASSIGNED, Role.OFFICER),
    Action.DISPUTE: (State.RESPONDED, Role.CITIZEN),
    Action.ACCEPT: (State.RESPONDED, Role.CITIZEN),
    Action.REJECT: (State.RECEIVED, Role.COORDINATOR),
}
TEXT = "Mohon dicek kembali; terima kasih."


class Staff:
    """The agency's staff as actors: its coordinators, and each unit's officers and
    supervisor."""

    def __init__(self, agency: Any) -> None:
        self.units: dict[int, Any] = {}
        self.officers: dict[int, list[Any]] = {}
        self.supervisors: dict[int, Actor] = {}
        self.coordinators: list[Actor] = []
        self._actors: dict[int, Actor] = {}
        for m in (Membership.objects.filter(Q(agency=agency) | Q(agency__parent=agency))
                  .select_related("user", "agency").order_by("agency_id", "user__username")):
            if m.role == Role.OFFICER:
                self.units[m.agency_id] = m.agency
                self.officers.setdefault(m.agency_id, []).append(m.user)
            elif m.role == Role.SUPERVISOR:
                self.supervisors.setdefault(m.agency_id, self.actor(m.user))
            elif m.role == Role.COORDINATOR:
                self.coordinators.append(self.actor(m.user))

    def actor(self, user: Any) -> Actor:
        """The user with their grants, read once however many complaints they hold."""
        if user.pk not in self._actors:
            self._actors[user.pk] = Actor.staff(user)
        return self._actors[user.pk]


def _case(action: str, complaint: Complaint, staff: Staff) -> tuple[Actor, dict] | None:
    """Who takes `action` on `complaint`, with what payload; None where they cannot now."""
    role = ACTIONS[action][1]
    if role == Role.CITIZEN:
        actor = Actor.citizen(complaint)
    elif role == Role.COORDINATOR:
        actor = staff.coordinators[0]
    elif role == Role.SUPERVISOR:
        actor = staff.supervisors.get(complaint.unit_id)
    else:
        actor = staff.actor(complaint.assignee) if complaint.assignee_id else None
    if actor is None or action not in available_actions(complaint, actor):
        return None
    if action in (Action.ASSIGN, Action.REASSIGN):
        units = sorted(staff.officers)
        unit = complaint.unit_id or units[complaint.pk % len(units)]
        officer = next(u for u in staff.officers[unit] if u.pk != complaint.assignee_id)
        return actor, {"unit": staff.units[unit].code, "assignee": officer.get_username()}
    return actor, {
        Action.REQUEST_INFO: {"message": TEXT}, Action.PROVIDE_INFO: {"message": TEXT},
        Action.EXTEND: {"clock": ClockName.FIRST_RESPONSE, "amount": 1, "reason": TEXT},
        Action.RESPOND: {"response": TEXT}, Action.DISPUTE: {"reason": TEXT},
        Action.ACCEPT: {"rating": 4, "comment": TEXT}, Action.REJECT: {"reason": "spam"},
    }[action]


def _candidates(agency: Any, action: str) -> Iterator[Complaint]:
    found = (Complaint.objects.filter(agency=agency, state=ACTIONS[action][0])
             .select_related("agency", "unit", "assignee", "standard").order_by("id"))
    if action == Action.EXTEND:
        # The one clock a standard lets be extended, running and not yet extended.
        found = found.filter(clocks__name=ClockName.FIRST_RESPONSE,
                             clocks__stopped_at__isnull=True, clocks__extended_by=0,
                             clocks__ceiling__gt=F("clocks__duration"))
    return found.iterator(chunk_size=200)


def _rolled_back(run: Callable[..., Any], **arguments: Any) -> float:
    """Seconds `run(**arguments)` took, in a transaction rolled back afterwards."""
    with transaction.atomic():
        began = time.perf_counter()
        run(**arguments)
        elapsed = time.perf_counter() - began
        transaction.set_rollback(True)
    return elapsed


def _insert() -> None:
    with connection.cursor() as cursor:
        cursor.execute(insert_row(), ['{"ping": true}'])
        cursor.fetchone()


def workflow_actions(agency: Any, repeats: int) -> list[Result]:
    staff = Staff(agency)
    results = []
    for action in ACTIONS:
        cases = []
        for complaint in _candidates(agency, action):
            case = _case(action, complaint, staff)
            if case is not None:
                cases.append((complaint.pk, *case))
            if len(cases) == repeats + 1:
                break
        if len(cases) < 2:
            raise BenchError(f"no complaints of {agency.code} to {action}")
        # The first is not timed: it counts the statements (less the BEGIN and ROLLBACK
        # around them), and warms what the action reads.
        pk, actor, payload = cases[0]
        with CaptureQueriesContext(connection) as queries:
            _rolled_back(complaint_transition, complaint=pk, action=action, actor=actor,
                         payload=payload)
        times, inserts = [], []
        for pk, actor, payload in cases[1:]:
            times.append(_rolled_back(complaint_transition, complaint=pk, action=action,
                                      actor=actor, payload=payload))
            inserts.append(_rolled_back(_insert))
        measured, baseline = median(times) * 1000, median(inserts) * 1000
        results.append(Result(
            f"action {action}, in process", measured, baseline, "ms",
            ratio(measured, baseline), "reported", None,
            details={"statements": len(queries.captured_queries) - 2,
                     "repeats": len(times), "state": ACTIONS[action][0],
                     "role": ACTIONS[action][1]}))
    return results
