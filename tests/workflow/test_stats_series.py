"""The chart series of the statistics pages: weekly volume by current state, the backlog by
age, the scoped statistics and the dashboard's headline numbers.

Complaints are driven through the workflow service at named instants; every expected number
is worked out in the comments from those instants, never from workflow.stats itself.
"""

from __future__ import annotations

import datetime as dt

import pytest

from complaints.defaults import create_default_standard
from complaints.models import Agency, Complaint, Membership, Service
from complaints.selectors import scope_filter
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, ClockStatus, Role
from workflow.stats import (
    backlog_by_age,
    complaint_statistics,
    scoped_statistics,
    staff_headlines,
    weekly_volume,
)

H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
WIB, WIT = dt.timedelta(hours=7), dt.timedelta(hours=9)
T0 = MONDAY_9_WIB  # Mon 2 Feb 2026 09:00 WIB, ISO week 2026-W06
NOW = T0 + 30 * D  # Wed 4 Mar 2026 09:00 WIB = 02:00 UTC, ISO week 2026-W10


def local(year: int, month: int, day: int, hour: int, minute: int = 0, *,
          offset: dt.timedelta = WIB) -> dt.datetime:
    """A local wall-clock time in WIB (or WIT) as a UTC instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC) - offset


def story(world, submit, steps=(), *, received, **fields) -> Complaint:
    complaint = submit(now=received, **fields).complaint
    for action, role, after in steps:
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=world.actor(role, complaint),
            payload=valid_payload(action, world), now=received + after)
    return complaint


def states(received=0, assigned=0, responded=0, closed=0) -> dict[str, int]:
    return {"received": received, "assigned": assigned, "responded": responded,
            "closed": closed}


@pytest.fixture
def papua(world) -> Service:
    """An agency in Asia/Jayapura (WIT, UTC+9), whose local Monday starts 2 h before WIB's."""
    agency = Agency.objects.create(code="dinkes-papua", name="Dinas Kesehatan Papua",
                                   time_zone="Asia/Jayapura")
    service = Service.objects.create(agency=agency, code="puskesmas", name="Puskesmas")
    create_default_standard(service, effective_from=dt.date(2020, 1, 1))
    return service


@pytest.fixture
def dishub_coordinator(world):
    user = world.coordinator.__class__.objects.create_user(username="dishub_coordinator")
    Membership.objects.create(user=user, role=Role.COORDINATOR, agency=world.other_agency)
    return user


@pytest.fixture
def complaints(world, submit, papua) -> dict[str, Complaint]:
    assign, respond = (Action.ASSIGN, Role.COORDINATOR, H), (Action.RESPOND, Role.OFFICER, 2 * H)
    return {
        # 62 days old at NOW, still received: backlog "> 60"; before the weekly window.
        "old": story(world, submit, received=local(2026, 1, 1, 9)),
        # Sat 31 Jan 20:00 WIB: ISO week 2026-W05, before the window; 31 days 13 h old.
        "c0": story(world, submit, received=local(2026, 1, 31, 20)),
        # Week of 2 Feb: rejected (closed), assigned, and a late Sunday one still received.
        "c1": story(world, submit, [(Action.REJECT, Role.COORDINATOR, H)], received=T0),
        "c2": story(world, submit, [assign], received=T0),  # exactly 30 days old at NOW
        "c3": story(world, submit, received=local(2026, 2, 8, 23, 30)),  # Sun 16:30 UTC
        # Mon 9 Feb 05:00 WIB is still Sunday in UTC (22:00): week of 9 Feb, responded.
        "c4": story(world, submit, [assign, respond], received=local(2026, 2, 9, 5)),
        # Mon 9 Feb 00:30 WIT is Sun 22:30 in WIB: week of 9 Feb in its own zone.
        "c5": story(world, submit, received=local(2026, 2, 9, 0, 30, offset=WIT),
                    service=papua),
        # Fri 27 Feb 10:00 WIB: 4 days 23 hours old at NOW.
        "c6": story(world, submit, received=local(2026, 2, 27, 10)),
        # Wed 4 Mar 08:00 WIB: one hour old, this week; confidential, counted all the same.
        "c7": story(world, submit, received=local(2026, 3, 4, 8), visibility="confidential"),
    }


def volumes(result) -> list[tuple[str, dict[str, int]]]:
    return [(f"{w.week_start:%Y-%m-%d} W{w.iso_week:02d}", w.by_state) for w in result]


def buckets(result) -> list[tuple[int, int | None, dict[str, int]]]:
    return [(b.first_day, b.last_day, b.by_state) for b in result]


def test_weekly_volume_counts_each_local_week_by_current_state(complaints):
    assert volumes(weekly_volume(now=NOW, weeks=5)) == [
        ("2026-02-02 W06", states(received=1, assigned=1, closed=1)),  # c3, c2, c1
        ("2026-02-09 W07", states(received=1, responded=1)),  # c5 (WIT), c4
        ("2026-02-16 W08", states()),
        ("2026-02-23 W09", states(received=1)),  # c6
        ("2026-03-02 W10", states(received=1)),  # c7
    ]


def test_weekly_volume_totals_and_iso_years(complaints):
    result = weekly_volume(now=NOW, weeks=12)
    # 12 weeks ending with 2026-W10 start on Mon 15 Dec 2025 (2025-W51); Mon 29 Dec 2025
    # already belongs to ISO year 2026 (W01).
    assert [(w.week_start, w.iso_year, w.iso_week) for w in result[:3]] == [
        (dt.date(2025, 12, 15), 2025, 51), (dt.date(2025, 12, 22), 2025, 52),
        (dt.date(2025, 12, 29), 2026, 1)]
    # "old" (Thu 1 Jan: W01), c0 (Sat 31 Jan: W05), then the five weeks above.
    assert [w.complaints for w in result] == [0, 0, 1, 0, 0, 0, 1, 3, 2, 0, 1, 1]


def test_weekly_volume_shows_the_state_now_not_the_state_that_week(world, complaints):
    c6 = complaints["c6"]
    complaint_transition(complaint=c6, action=Action.WITHDRAW, actor=Actor.citizen(c6),
                         payload=valid_payload(Action.WITHDRAW, world), now=NOW - H)
    assert volumes(weekly_volume(now=NOW, weeks=2))[0] == (
        "2026-02-23 W09", states(closed=1))


def test_the_last_week_is_the_week_of_now_in_the_easternmost_zone(complaints):
    # Sun 8 Mar 23:30 WIB = Mon 9 Mar 01:30 WIT: WIT agencies are already in W11.
    sunday_night = local(2026, 3, 8, 23, 30)
    assert weekly_volume(now=sunday_night, weeks=1)[0].week_start == dt.date(2026, 3, 9)


def test_backlog_buckets_open_complaints_by_whole_days_since_receipt(complaints):
    assert buckets(backlog_by_age(now=NOW)) == [
        (0, 3, {"received": 1, "assigned": 0, "responded": 0}),  # c7: 1 hour
        (4, 7, {"received": 1, "assigned": 0, "responded": 0}),  # c6: 4 days 23 hours
        (8, 14, {"received": 0, "assigned": 0, "responded": 0}),
        # c2: exactly 30 days (assigned); c3 23 d 9.5 h, c5 23 d 11.5 h (received);
        # c4: 22 d 4 h (responded). c1 is closed and not in the backlog.
        (15, 30, {"received": 2, "assigned": 1, "responded": 1}),
        (31, 60, {"received": 1, "assigned": 0, "responded": 0}),  # c0: 31 d 13 h
        (61, None, {"received": 1, "assigned": 0, "responded": 0}),  # old: 62 days
    ]


def test_backlog_bucket_edges(world, submit):
    # Exactly 4 days old is in 4–7; a microsecond younger is still in 0–3.
    story(world, submit, received=NOW - 4 * D)
    story(world, submit, received=NOW - 4 * D + dt.timedelta(microseconds=1))
    # Exactly 61 days old is in "more than 60"; 60 days 23:59 is in 31–60.
    story(world, submit, received=NOW - 61 * D)
    story(world, submit, received=NOW - 61 * D + dt.timedelta(minutes=1))
    assert [b.complaints for b in backlog_by_age(now=NOW)] == [1, 1, 0, 0, 1, 1]


def test_filters_by_agency_and_service(world, complaints, papua):
    assert [w.complaints for w in weekly_volume(now=NOW, weeks=5, agency=papua.agency)] == [
        0, 1, 0, 0, 0]
    assert [b.complaints for b in backlog_by_age(now=NOW, service=papua)] == [0, 0, 0, 1, 0, 0]
    assert [b.complaints for b in backlog_by_age(now=NOW, agency=world.other_agency)] == [
        0, 0, 0, 0, 0, 0]


def test_a_coordinator_of_another_agency_sees_none_of_ours(world, complaints,
                                                          dishub_coordinator):
    scope = scope_filter(Actor.staff(dishub_coordinator), by_key=True)
    assert all(w.complaints == 0 for w in weekly_volume(now=NOW, weeks=12, scope=scope))
    assert all(b.complaints == 0 for b in backlog_by_age(now=NOW, scope=scope))
    statistics = scoped_statistics(now=NOW, scope=scope)
    assert (statistics.totals.complaints, statistics.agencies) == (0, [])
    assert staff_headlines(now=NOW, scope=scope).open == 0


def test_a_coordinator_sees_their_agency_only(world, complaints):
    scope = scope_filter(Actor.staff(world.coordinator), by_key=True)
    # c5 (Papua) is not theirs: week of 9 Feb has c4 only.
    assert volumes(weekly_volume(now=NOW, weeks=5, scope=scope))[1] == (
        "2026-02-09 W07", states(responded=1))
    assert [b.complaints for b in backlog_by_age(now=NOW, scope=scope)] == [1, 1, 0, 3, 1, 1]
    # The scoped statistics are complaint_statistics of their agency: the same numbers.
    scoped = scoped_statistics(now=NOW, scope=scope)
    public = complaint_statistics(now=NOW, agency=world.agency)
    assert (scoped.totals, scoped.agencies) == (public.totals, public.agencies)


def test_the_ombudsman_scope_is_everything(world, complaints):
    scope = scope_filter(Actor.staff(world.ombudsman), by_key=True)
    assert scoped_statistics(now=NOW, scope=scope) == complaint_statistics(now=NOW)
    assert backlog_by_age(now=NOW, scope=scope) == backlog_by_age(now=NOW)


def test_headlines_match_the_queue_filters(world, complaints):
    scope = scope_filter(Actor.staff(world.coordinator), by_key=True)
    headlines = staff_headlines(now=NOW, scope=scope)
    open_ = Complaint.objects.filter(scope).exclude(state="closed")
    assert headlines.open == open_.count() == 7  # old, c0, c2, c3, c4, c6, c7
    for status in (ClockStatus.AT_RISK, ClockStatus.BREACHED):
        assert getattr(headlines, status) == open_.with_clock(status, NOW).count()
    # c6 (received Fri 27 Feb) has its verify clock due today, Wed 4 Mar 23:59:59 WIB
    # (3 working days: Mon, Tue, Wed): at risk and due today. c7's verify is due Mon 9 Mar.
    assert (headlines.at_risk, headlines.due_today) == (1, 1)


def test_due_today_is_a_running_clock_due_before_local_midnight(world, submit):
    # Received Thu 5 Feb 09:00 WIB; verify is due Tue 10 Feb 23:59:59 WIB (3 working days:
    # Fri, Mon, Tue).
    story(world, submit, received=T0 + 3 * D)
    scope = scope_filter(Actor.staff(world.coordinator), by_key=True)
    assert staff_headlines(now=local(2026, 2, 10, 0, 1), scope=scope).due_today == 1
    assert staff_headlines(now=local(2026, 2, 10, 23), scope=scope).due_today == 1
    assert staff_headlines(now=local(2026, 2, 9, 23), scope=scope).due_today == 0  # tomorrow
    assert staff_headlines(now=local(2026, 2, 11, 0, 1), scope=scope).due_today == 0  # late


@pytest.mark.parametrize("how_many", [3, 20])
def test_constant_query_counts(world, submit, django_assert_num_queries, how_many):
    for i in range(how_many):
        story(world, submit, received=T0 + i * H,
              service=world.service if i % 2 else world.other_service)
    scope = scope_filter(Actor.staff(world.ombudsman), by_key=True)
    with django_assert_num_queries(2):  # the agencies' time zones; one grouped count
        weekly_volume(now=NOW, weeks=12, scope=scope)
    with django_assert_num_queries(1):  # one grouped count
        backlog_by_age(now=NOW, scope=scope)
    # A grouped count of complaints and the names of its agencies and services, a grouped
    # count of clocks, one list of durations.
    with django_assert_num_queries(5):
        scoped_statistics(now=NOW, scope=scope)
    with django_assert_num_queries(2):  # the agencies' time zones; one aggregate
        staff_headlines(now=NOW, scope=scope)
