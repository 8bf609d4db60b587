"""SLA statistics: every number recomputed by hand from complaints driven through the workflow.

The expected values below are worked out in the comments from the story of each complaint,
never from workflow.stats itself. Deadlines of the default standard, for a complaint received
on Monday 2 Feb 2026 09:00 WIB (T0): verify Thu 5 Feb 23:59:59, statutory_answer Mon 16 Feb
23:59:59, resolution Fri 3 Apr 23:59:59; first_response 5 working days from assignment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from complaints.defaults import create_default_standard
from complaints.models import Agency, Membership, Service
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, Role
from workflow.stats import AGENCY_CLOCKS, complaint_statistics, percent, percentile

T0 = MONDAY_9_WIB
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
NOW = T0 + 30 * D  # Wed 4 Mar 2026 09:00 WIB
CONFIDENTIAL_TITLE = "Pungli di loket tiga"


def story(world, submit, steps=(), *, received=T0, **fields):
    """Submit at `received`, then take each (action, who, after, payload) step `after` the
    receipt; `who` is a role of the world's personas or a user."""
    complaint = submit(now=received, **fields).complaint
    for action, who, after, *payload in steps:
        actor = world.actor(who, complaint) if isinstance(who, str) else Actor.staff(who)
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=actor, now=received + after,
            payload=payload[0] if payload else valid_payload(action, world))
    return complaint


@pytest.fixture
def dishub_coordinator(world):
    user = world.coordinator.__class__.objects.create_user(username="dishub_coordinator")
    Membership.objects.create(user=user, role=Role.COORDINATOR, agency=world.other_agency)
    return user


@pytest.fixture
def complaints(world, submit, dishub_coordinator):
    officer, coordinator, citizen = Role.OFFICER, Role.COORDINATOR, Role.CITIZEN
    assign = Action.ASSIGN
    made = {
        # Closed: verify, first_response, statutory_answer, resolution all met.
        # First response 25 h, closure 49 h.
        "A1": story(world, submit, [(assign, coordinator, H), (Action.RESPOND, officer, 25 * H),
                                    (Action.ACCEPT, citizen, 49 * H)]),
        # First response on day 20: first_response (due Mon 9 Feb) and statutory_answer
        # breached. Disputed on day 21; the second first_response cycle is met on day 22.
        # First response 480 h, closure 552 h, reopened.
        "A2": story(world, submit, [(assign, coordinator, 2 * H),
                                    (Action.RESPOND, officer, 20 * D),
                                    (Action.DISPUTE, citizen, 21 * D),
                                    (Action.RESPOND, officer, 22 * D),
                                    (Action.ACCEPT, citizen, 23 * D)]),
        # Confidential, responded after 3 h, never closed: resolution open. Its reply_window
        # ran out long ago, which never counts against the agency.
        "A3": story(world, submit, [(assign, coordinator, H), (Action.RESPOND, officer, 3 * H)],
                    visibility="confidential", title=CONFIDENTIAL_TITLE),
        # Never touched: verify and statutory_answer running past their deadlines (breached),
        # resolution open.
        "A4": story(world, submit),
        # Rejected after 1 h: verify, statutory_answer, resolution met; closure 1 h.
        "A5": story(world, submit, [(Action.REJECT, coordinator, H)]),
        # Waiting for information: statutory_answer met by the request; first_response and
        # resolution paused (open); info_wait is the citizen's clock.
        "A6": story(world, submit, [(assign, coordinator, H),
                                    (Action.REQUEST_INFO, officer, 2 * H)]),
        # Assigned on day 10 (verify breached), responded on day 11 (first_response and
        # statutory_answer met); resolution open. First response 264 h.
        "B1": story(world, submit, [
            (assign, dishub_coordinator, 10 * D, {"unit": "dishub", "assignee": "outside_officer"}),
            (Action.RESPOND, world.outside_officer, 11 * D, valid_payload(Action.RESPOND, world)),
        ], service=world.other_service),
        # Received on Tue 3 Feb, withdrawn 5 h later: every clock met; closure 5 h.
        "B2": story(world, submit, [(Action.WITHDRAW, citizen, 5 * H)], received=T0 + D,
                    service=world.other_service),
    }
    return made


def states(received=0, assigned=0, responded=0, closed=0):
    return {"received": received, "assigned": assigned, "responded": responded,
            "closed": closed}


def reasons(resolved=0, no_reply=0, rejected=0, referred=0, withdrawn=0):
    return {"resolved": resolved, "no_reply": no_reply, "rejected": rejected,
            "referred": referred, "withdrawn": withdrawn}


def clock(met, breached, open_, on_time):
    return {"met": met, "breached": breached, "open": open_, "on_time_percent": on_time}


def durations(count, median, p90):
    return {"count": count, "median_hours": median, "p90_hours": p90}


def figures(complaints, by_state, by_reason, clocks, first_response, closure, reopen):
    return {
        "complaints": complaints, "by_state": by_state, "by_closure_reason": by_reason,
        "clocks": dict(zip(AGENCY_CLOCKS, clocks, strict=True)),
        "time_to_first_response": first_response, "time_to_closure": closure,
        "reopen": dict(zip(("responded", "reopened", "rate_percent"), reopen, strict=True)),
    }


# Clocks in the order verify, first_response, statutory_answer, resolution.
KTP = figures(
    6, states(received=1, assigned=1, responded=1, closed=3), reasons(resolved=2, rejected=1),
    [clock(5, 1, 0, 83.3),  # 5 of 6
     clock(3, 1, 1, 75.0),  # A1, A2's second cycle and A3 met; A2's first breached; A6 paused
     clock(4, 2, 0, 66.7),  # A2 and A4 breached
     clock(3, 0, 3, 100.0)],
    # [3, 25, 480] h: p90 at rank 0.9 × 2 = 1.8: 25 + 0.8 × (480 − 25) = 389.
    durations(3, 25.0, 389.0),
    # [1, 49, 552] h: p90 = 49 + 0.8 × (552 − 49) = 451.4.
    durations(3, 49.0, 451.4),
    (3, 1, 33.3),
)
PARKIR = figures(
    2, states(responded=1, closed=1), reasons(withdrawn=1),
    [clock(1, 1, 0, 50.0), clock(1, 0, 0, 100.0), clock(2, 0, 0, 100.0),
     clock(1, 0, 1, 100.0)],
    durations(1, 264.0, 264.0), durations(1, 5.0, 5.0), (1, 0, 0.0),
)
TOTALS = figures(
    8, states(received=1, assigned=1, responded=2, closed=4),
    reasons(resolved=2, rejected=1, withdrawn=1),
    [clock(6, 2, 0, 75.0), clock(4, 1, 1, 80.0), clock(6, 2, 0, 75.0), clock(4, 0, 4, 100.0)],
    # [3, 25, 264, 480] h: median (25 + 264) / 2; p90 at rank 2.7: 264 + 0.7 × 216.
    durations(4, 144.5, 415.2),
    # [1, 5, 49, 552] h: median (5 + 49) / 2; p90 = 49 + 0.7 × 503.
    durations(4, 27.0, 401.1),
    (4, 1, 25.0),
)


def as_dict(statistics) -> dict[str, Any]:
    return dataclasses.asdict(statistics)


def test_every_number_per_agency_service_and_in_total(world, complaints):
    result = as_dict(complaint_statistics(now=NOW))
    assert result == {
        "generated_at": NOW,
        "period": {"received_after": None, "received_before": None},
        "agency": None, "service": None,
        "totals": TOTALS,
        "agencies": [  # by code
            {**KTP, "code": "disdukcapil", "name": "Dinas Kependudukan", "parent_code": None,
             "services": [{**KTP, "code": "ktp-el", "name": "KTP elektronik"}]},
            {**PARKIR, "code": "dishub", "name": "Dinas Perhubungan", "parent_code": None,
             "services": [{**PARKIR, "code": "parkir", "name": "Parkir"}]},
        ],
    }


def test_statuses_are_taken_at_now(world, complaints):
    # Just after A4's verify deadline (Thu 5 Feb 23:59:59 WIB) it is breached; just before, it
    # is open. A2's first response (day 20) has not happened yet on day 6.
    before = T0.replace(hour=16, minute=59, second=59) + 3 * D
    verify = complaint_statistics(now=before).totals.clocks["verify"]
    assert (verify.met, verify.breached, verify.open) == (6, 1, 1)  # B1's verify: breached
    after = before + dt.timedelta(microseconds=1)
    verify = complaint_statistics(now=after).totals.clocks["verify"]
    assert (verify.met, verify.breached, verify.open) == (6, 2, 0)


def test_confidential_complaints_are_counted(world, submit):
    story(world, submit, visibility="confidential")
    story(world, submit)
    assert complaint_statistics(now=NOW).totals.complaints == 2


def test_the_agency_filter_takes_the_agency_and_its_units(world, submit, complaints):
    unit_service = Service.objects.create(agency=world.unit, code="ktp-cetak", name="Cetak")
    create_default_standard(unit_service, effective_from=dt.date(2020, 1, 1))
    story(world, submit, service=unit_service)

    result = complaint_statistics(now=NOW, agency=world.agency)
    assert [(a.code, a.parent_code, [s.code for s in a.services]) for a in result.agencies] == [
        ("disdukcapil", None, ["ktp-el"]),
        ("disdukcapil-ktp", "disdukcapil", ["ktp-cetak"]),
    ]
    assert (result.agency, result.totals.complaints) == ("disdukcapil", 7)
    only_unit = complaint_statistics(now=NOW, agency=world.unit)
    assert [a.code for a in only_unit.agencies] == ["disdukcapil-ktp"]


def test_the_service_filter(world, complaints):
    result = as_dict(complaint_statistics(now=NOW, service=world.other_service))
    assert result["totals"] == PARKIR
    assert [a["code"] for a in result["agencies"]] == ["dishub"]
    assert result["service"] == "parkir"


def test_a_service_outside_the_agency_selects_nothing(world, complaints):
    result = complaint_statistics(now=NOW, agency=world.agency, service=world.other_service)
    assert (result.totals.complaints, result.agencies) == (0, [])


def test_dates_are_local_dates_of_receipt_both_included(world, complaints):
    # B2 is the only complaint received on Tue 3 Feb.
    after = complaint_statistics(now=NOW, received_after=dt.date(2026, 2, 3))
    assert after.totals.complaints == 1
    before = complaint_statistics(now=NOW, received_before=dt.date(2026, 2, 2))
    assert before.totals.complaints == 7
    both = complaint_statistics(now=NOW, received_after=dt.date(2026, 2, 2),
                                received_before=dt.date(2026, 2, 3))
    assert both.totals.complaints == 8
    assert dataclasses.asdict(both.period) == {"received_after": dt.date(2026, 2, 2),
                                               "received_before": dt.date(2026, 2, 3)}


def test_a_date_starts_at_midnight_in_the_agency_time_zone(world, submit):
    papua = Agency.objects.create(code="papua", name="Dinas Papua", time_zone="Asia/Jayapura")
    service = Service.objects.create(agency=papua, code="papua-ktp", name="KTP Papua")
    create_default_standard(service, effective_from=dt.date(2020, 1, 1))
    instant = dt.datetime(2026, 2, 2, 15, 30, tzinfo=dt.UTC)
    story(world, submit, received=instant)  # Mon 2 Feb 22:30 WIB
    story(world, submit, received=instant, service=service)  # Tue 3 Feb 00:30 WIT

    on_3 = complaint_statistics(now=NOW, received_after=dt.date(2026, 2, 3))
    assert [a.code for a in on_3.agencies] == ["papua"]
    on_2 = complaint_statistics(now=NOW, received_before=dt.date(2026, 2, 2))
    assert [a.code for a in on_2.agencies] == ["disdukcapil"]


def test_nothing_selected_gives_zeros_and_no_rates(world):
    totals = as_dict(complaint_statistics(now=NOW))["totals"]
    assert totals == figures(
        0, states(), reasons(), [clock(0, 0, 0, None)] * 4,
        durations(0, None, None), durations(0, None, None), (0, 0, None))


@pytest.mark.django_db
def test_a_date_filter_before_any_agency_exists_gives_zeros():
    """With no agency there is no time zone to read a date in: the condition selects nothing
    at all, which the ORM refuses to compile; the statistics are zeros, not an error."""
    totals = as_dict(complaint_statistics(now=NOW, received_after=dt.date(2026, 2, 1)))["totals"]
    assert totals["complaints"] == 0
    assert totals["time_to_closure"] == durations(0, None, None)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], "0.5", None),
        ([7], "0.9", "7"),
        ([1, 3], "0.5", "2"),
        ([4, 1, 3, 2], "0.5", "2.5"),
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], "0.9", "100"),  # rank 9 exactly
        ([1, 2, 3, 4, 5], "0.9", "4.6"),  # rank 3.6: 4 + 0.6 × 1
    ],
)
def test_percentile_interpolates_between_closest_ranks(values, fraction, expected):
    result = percentile([Decimal(v) for v in values], Decimal(fraction))
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 3, 33.3), (2, 3, 66.7), (1, 8, 12.5), (1, 16, 6.3), (0, 0, None), (0, 5, 0.0)],
)
def test_percent_rounds_half_up_to_one_decimal(part, whole, expected):
    # 1/16 = 6.25 %: half up gives 6.3, where round-half-even would give 6.2.
    assert percent(part, whole) == expected
