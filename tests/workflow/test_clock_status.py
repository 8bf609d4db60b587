"""One definition of a clock's status: the database and Python agree on every case."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB
from workflow.models import Clock, status_conditions
from workflow.states import ClockStatus, State

NOW = MONDAY_9_WIB + dt.timedelta(days=10)
H = dt.timedelta(hours=1)

# (warn_at, due_at) relative to NOW, and the clock's stopped/paused situation.
WINDOWS = [(-2 * H, -H), (-H, H), (H, 2 * H), (-H, -H + dt.timedelta(seconds=0)), (0 * H, 0 * H)]
SITUATIONS = ["open", "paused", "stopped_early", "stopped_on_time", "stopped_late"]


@pytest.fixture
def clocks(complaint_in):
    complaint = complaint_in(State.RECEIVED)
    made = []
    for cycle, ((warn, due), situation) in enumerate(itertools.product(WINDOWS, SITUATIONS), 1):
        due_at = NOW + due
        made.append(Clock.objects.create(
            complaint=complaint, name="verify", cycle=cycle + 1, duration=1, unit="hours",
            warning_fraction="0.75", started_at=MONDAY_9_WIB, warn_at=NOW + warn, due_at=due_at,
            paused_at=NOW - H if situation == "paused" else None,
            stopped_at={"stopped_early": due_at - H, "stopped_on_time": due_at,
                        "stopped_late": due_at + H}.get(situation),
        ))
    return made


def test_database_and_python_agree_on_every_status(clocks):
    annotated = dict(Clock.objects.filter(pk__in=[c.pk for c in clocks])
                     .with_status(NOW).values_list("pk", "status_at"))
    for clock in clocks:
        assert annotated[clock.pk] == clock.status(NOW), (clock.warn_at, clock.due_at,
                                                          clock.paused_at, clock.stopped_at)
    assert set(annotated.values()) == set(ClockStatus)


def test_statuses_are_exclusive_and_cover_every_clock(clocks):
    ids = [c.pk for c in clocks]
    seen = []
    for condition in status_conditions(NOW).values():
        seen += Clock.objects.filter(condition, pk__in=ids).values_list("pk", flat=True)
    assert sorted(seen) == sorted(ids)


def test_a_deadline_is_met_up_to_and_including_its_last_second():
    clock = Clock(due_at=NOW, warn_at=NOW - H, stopped_at=NOW)
    assert clock.status(NOW) == ClockStatus.MET
    clock.stopped_at = None
    assert clock.status(NOW) == ClockStatus.AT_RISK
    assert clock.status(NOW + dt.timedelta(microseconds=1)) == ClockStatus.BREACHED


def test_breached_complaints_of_an_agency_are_one_query(world, complaint_in,
                                                          django_assert_num_queries):
    late, fresh = complaint_in(State.RECEIVED), complaint_in(State.RECEIVED, now=NOW)
    with django_assert_num_queries(1):
        breached = list(Complaint.objects.filter(agency=world.agency)
                        .with_clock(ClockStatus.BREACHED, NOW))
    assert breached == [late]
    assert list(Complaint.objects.with_clock("running", NOW, name="verify")) == [fresh]


def test_a_breach_is_reported_from_the_deadline_until_the_sweeper_records_it(clocks):
    for clock in clocks:
        expected = clock.due_at if clock.status(NOW) == ClockStatus.BREACHED else None
        assert clock.reported_breach(NOW) == expected
    recorded = NOW - 3 * H
    clock = clocks[0]
    clock.breached_at = recorded
    assert clock.reported_breach(NOW) == recorded != clock.due_at
    assert {c.reported_breach(NOW) is None for c in clocks} == {True, False}
