"""Every (state, action, role): allowed ones succeed with the right event, the others fail
with the right error — 403 for an action the person may never take on this complaint, 409
for one they may take but not now — and write nothing.

The expected table below restates DESIGN.md's workflow table independently of the code.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.forms.models import model_to_dict

from complaints.models import Complaint, Feedback
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.errors import NotPermitted, TransitionNotAllowed
from workflow.models import Clock, Event, Notification
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

# (source state, action) → (target state, roles that may take it).
WORKFLOW = {
    (State.RECEIVED, Action.ASSIGN): (State.ASSIGNED, {Role.COORDINATOR}),
    (State.ASSIGNED, Action.REASSIGN): (State.ASSIGNED, {Role.COORDINATOR, Role.SUPERVISOR}),
    (State.ASSIGNED, Action.REQUEST_INFO): (State.ASSIGNED, {Role.OFFICER}),
    (State.ASSIGNED, Action.PROVIDE_INFO): (State.ASSIGNED, {Role.CITIZEN}),
    (State.ASSIGNED, Action.EXTEND): (State.ASSIGNED, {Role.SUPERVISOR}),
    (State.ASSIGNED, Action.RESPOND): (State.RESPONDED, {Role.OFFICER}),
    (State.RESPONDED, Action.DISPUTE): (State.ASSIGNED, {Role.CITIZEN}),
    (State.RESPONDED, Action.ACCEPT): (State.CLOSED, {Role.CITIZEN}),
    (State.RESPONDED, Action.AUTO_CLOSE): (State.CLOSED, {Role.SYSTEM}),
    (State.RECEIVED, Action.REJECT): (State.CLOSED, {Role.COORDINATOR}),
    (State.RECEIVED, Action.REFER): (State.CLOSED, {Role.COORDINATOR}),
    (State.RECEIVED, Action.WITHDRAW): (State.CLOSED, {Role.CITIZEN}),
    (State.ASSIGNED, Action.WITHDRAW): (State.CLOSED, {Role.CITIZEN, Role.SYSTEM}),
}

# The personas: every role, plus an officer of the unit who is not the assignee and an
# officer of another agency.
PERSONAS = [Role.CITIZEN, Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, "second_officer",
            "outside_officer", Role.OMBUDSMAN, Role.ADMINISTRATOR, Role.SYSTEM]

ACTED_AT = MONDAY_9_WIB + dt.timedelta(hours=2)
# Time-driven actions happen after their clocks ran out: reply window 10 working days,
# info_wait 30 calendar days.
LATE = MONDAY_9_WIB + dt.timedelta(days=45)


def _prepare(world: Any, complaint: Complaint, action: str) -> dt.datetime:
    """Make the action's own preconditions hold; return when to act."""
    if action == Action.PROVIDE_INFO or (action == Action.WITHDRAW
                                         and complaint.state == State.ASSIGNED):
        complaint_transition(complaint=complaint, action=Action.REQUEST_INFO,
                             actor=world.actor(Role.OFFICER), now=ACTED_AT,
                             payload=valid_payload(Action.REQUEST_INFO, world))
        return LATE if action == Action.WITHDRAW else ACTED_AT + dt.timedelta(hours=1)
    if action == Action.AUTO_CLOSE:
        return LATE
    return ACTED_AT + dt.timedelta(hours=1)


def _snapshot(complaint: Complaint) -> dict[str, Any]:
    fresh = Complaint.objects.get(pk=complaint.pk)
    return {
        "complaint": model_to_dict(fresh) | {"state": fresh.state},
        "events": list(Event.objects.values_list("id", "hash")),
        "clocks": list(Clock.objects.order_by("id").values()),
        "notifications": Notification.objects.count(),
        "complaints": Complaint.objects.count(),
        "feedback": Feedback.objects.count(),
    }


def held(persona: str, state: State) -> set[str]:
    """The workflow roles a persona holds on the test complaint: the unit and its assigned
    officer are set from assignment on."""
    if persona in (Role.CITIZEN, Role.SYSTEM, Role.COORDINATOR):
        return {persona}
    if persona in (Role.SUPERVISOR, Role.OFFICER) and state != State.RECEIVED:
        return {persona}
    return set()  # another officer, another agency's officer, ombudsman, administrator


MAY_EVER = {action: set().union(*(roles for (_, a), (_, roles) in WORKFLOW.items()
                                  if a == action)) for action in Action}

CASES = list(itertools.product(State, Action, PERSONAS))


@pytest.mark.parametrize(("state", "action", "persona"), CASES,
                         ids=[f"{s}-{a}-{p}" for s, a, p in CASES])
def test_transition(world, complaint_in, state, action, persona):
    complaint = complaint_in(state)
    rule = WORKFLOW.get((state, action))
    now = _prepare(world, complaint, action) if rule else ACTED_AT
    actor = world.actor(persona, complaint)
    payload = valid_payload(action, world)

    if rule is None or persona not in rule[1]:
        before = _snapshot(complaint)
        # 403 for an action the persona may never take on this complaint; 409 for one they
        # may take, but not in this state (or, for the system, not yet).
        expected = NotPermitted if not held(persona, state) & MAY_EVER[action] else (
            TransitionNotAllowed)
        with pytest.raises(expected):
            complaint_transition(complaint=complaint, action=action, actor=actor,
                                 payload=payload, now=now)
        assert _snapshot(complaint) == before
        return

    events_before = Event.objects.filter(complaint=complaint).count()
    result = complaint_transition(complaint=complaint, action=action, actor=actor,
                                  payload=payload, now=now)
    assert result.state == rule[0]
    assert Complaint.objects.get(pk=complaint.pk).state == rule[0]
    event = Event.objects.filter(complaint=complaint).latest("seq")
    assert event.seq == events_before + 1
    assert (event.action, event.from_state, event.to_state, event.role) == (
        action, state, rule[0], persona)
    assert event.occurred_at == now
    assert event.actor_label == (persona if persona in (Role.CITIZEN, Role.SYSTEM) else
                                 getattr(world, persona).username)
