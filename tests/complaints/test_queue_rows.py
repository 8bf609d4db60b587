"""The staff queue's rows are read as values (selectors.queue_rows); they must say what the
complaints and their clocks, as model instances, say."""

from __future__ import annotations

import datetime as dt

import pytest

from complaints.models import NO_DEADLINE, Complaint
from complaints.selectors import queue_rows
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.services import complaint_transition
from workflow.states import CITIZEN_CLOCKS, Action, Role, State


def from_instances(complaint: Complaint, now: dt.datetime) -> tuple:
    clocks = list(complaint.clocks.order_by("started_at", "id"))
    running = [c for c in clocks if c.stopped_at is None and c.paused_at is None
               and c.name not in CITIZEN_CLOCKS]
    first = min(running, key=lambda c: c.due_at, default=None)
    return (
        complaint.tracking_number, complaint.title, complaint.service.name, complaint.state,
        complaint.unit.name if complaint.unit else None,
        complaint.assignee.get_username() if complaint.assignee else None,
        complaint.agency.time_zone, complaint.received_at, complaint.next_due,
        (first.name, first.status(now)) if first and complaint.next_due != NO_DEADLINE
        else None,
        [(c.name, c.status(now)) for c in clocks if not c.stopped_at or c.stopped_at > c.due_at],
    )


def as_tuple(row) -> tuple:
    return (row.tracking_number, row.title, row.service, row.state, row.unit, row.assignee,
            row.zone, row.received_at, row.next_due,
            (row.next_clock.name, row.next_clock.status) if row.next_clock else None,
            [(b.name, b.status) for b in row.badges])


@pytest.mark.parametrize("days", [0, 3, 40])
def test_rows_say_what_the_instances_say(world, complaint_in, days):
    made = [complaint_in(state) for state in State]
    paused = complaint_in(State.ASSIGNED)
    complaint_transition(complaint=paused, action=Action.REQUEST_INFO,
                         actor=world.actor(Role.OFFICER, paused),
                         payload=valid_payload(Action.REQUEST_INFO, world),
                         now=MONDAY_9_WIB + dt.timedelta(hours=1))
    made.append(paused)
    now = MONDAY_9_WIB + dt.timedelta(days=days)
    page = list(Complaint.objects.order_by("-id"))
    rows = [as_tuple(row) for row in queue_rows([c.pk for c in page], now)]
    assert rows == [from_instances(complaint, now) for complaint in page]
    assert any(row[9] is None for row in rows) and any(row[9] for row in rows)
    statuses = {status for row in rows for _name, status in row[10]}
    assert "paused" in statuses
    assert {0: "running", 3: "running", 40: "breached"}[days] in statuses


def test_rows_cost_two_queries_whatever_the_page(world, complaint_in,
                                                django_assert_num_queries):
    for state in State:
        complaint_in(state)
    page = list(Complaint.objects.all())
    with django_assert_num_queries(2):
        assert len(queue_rows([c.pk for c in page], MONDAY_9_WIB)) == len(page)
