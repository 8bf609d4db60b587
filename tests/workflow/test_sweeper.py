"""The sweeper: every time-driven outcome, each exactly once, at frozen instants."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.audit import verify_complaint
from workflow.models import Clock, Notification
from workflow.services import complaint_transition
from workflow.states import Action, ClockStatus, Role, State
from workflow.sweeper import sweep

WIB = dt.timezone(dt.timedelta(hours=7))
# verify (3 working days from Mon 2 Feb 2026) is due Thu 5 Feb 23:59:59 WIB and warns at
# 75% of that span, on Wed 4 Feb at 23:14:59 WIB.
THURSDAY_9 = dt.datetime(2026, 2, 5, 9, 0, tzinfo=WIB)
FRIDAY_9 = dt.datetime(2026, 2, 6, 9, 0, tzinfo=WIB)


def _staff_mail(template: str) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(template=template)
                .values_list("recipient", "recipient_role"))


def test_nothing_due_does_nothing(complaint_in):
    complaint_in(State.RECEIVED)
    assert sweep(now=MONDAY_9_WIB + dt.timedelta(hours=1)) == Counter()
    assert not Clock.objects.filter(warned_at__isnull=False).exists()


def test_warning_is_sent_once_when_a_clock_passes_its_warning_point(complaint_in):
    complaint = complaint_in(State.RECEIVED)
    assert sweep(now=THURSDAY_9) == Counter({"warned": 1})
    verify = complaint.clocks.get(name="verify")
    assert verify.warned_at == THURSDAY_9 and verify.status(THURSDAY_9) == ClockStatus.AT_RISK
    event = complaint.events.latest("seq")
    assert (event.action, event.role, event.actor_label, event.payload) == (
        "clock_warning", Role.SYSTEM, "system",
        {"clock": "verify", "cycle": 1, "due_at": "2026-02-05T16:59:59.000000Z"})
    # Before assignment the coordinators are the ones who must act.
    assert _staff_mail("staff/warning") == [("coordinator@example.go.id", Role.COORDINATOR)]

    assert sweep(now=THURSDAY_9 + dt.timedelta(minutes=5)) == Counter()
    assert complaint.events.filter(action="clock_warning").count() == 1


def test_breach_is_recorded_once_and_escalated_to_the_units_supervisor(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    first = complaint.clocks.get(name="first_response")
    after_due = first.due_at + dt.timedelta(minutes=1)

    done = sweep(now=after_due)

    assert done["breached"] == 1
    first.refresh_from_db()
    assert first.breached_at == first.due_at and first.stopped_at is None
    assert first.status(after_due) == ClockStatus.BREACHED
    assert _staff_mail("staff/breach") == [("supervisor@example.go.id", Role.SUPERVISOR)]
    assert sweep(now=after_due + dt.timedelta(hours=1))["breached"] == 0
    assert complaint.events.filter(action="clock_breached").count() == 1
    assert verify_complaint(complaint).ok


def test_verify_breach_without_agency_supervisor_goes_to_coordinators(complaint_in):
    complaint_in(State.RECEIVED)
    assert sweep(now=FRIDAY_9) == Counter({"breached": 1})
    assert _staff_mail("staff/breach") == [("coordinator@example.go.id", Role.COORDINATOR)]
    # A breach is not also a warning afterwards.
    assert sweep(now=FRIDAY_9 + dt.timedelta(hours=1)) == Counter()


def test_unanswered_information_request_withdraws_the_complaint(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    complaint_transition(complaint=complaint, action=Action.REQUEST_INFO,
                         actor=world.actor(Role.OFFICER), now=MONDAY_9_WIB,
                         payload=valid_payload(Action.REQUEST_INFO, world))
    info_due = complaint.clocks.get(name="info_wait").due_at

    assert sweep(now=info_due - dt.timedelta(seconds=1))[Action.WITHDRAW] == 0
    done = sweep(now=info_due + dt.timedelta(seconds=1))

    assert done[Action.WITHDRAW] == 1
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (complaint.state, complaint.closure_reason) == (State.CLOSED, "withdrawn")
    event = complaint.events.latest("seq")
    assert (event.action, event.role) == ("withdraw", Role.SYSTEM)
    assert not complaint.clocks.filter(stopped_at__isnull=True).exists()
    assert sweep(now=info_due + dt.timedelta(days=1)) == Counter()


def test_paused_clocks_neither_warn_nor_breach(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    complaint_transition(complaint=complaint, action=Action.REQUEST_INFO,
                         actor=world.actor(Role.OFFICER), now=MONDAY_9_WIB,
                         payload=valid_payload(Action.REQUEST_INFO, world))
    first = complaint.clocks.get(name="first_response")
    sweep(now=first.due_at + dt.timedelta(days=1))
    first.refresh_from_db()
    assert (first.warned_at, first.breached_at) == (None, None)


def test_expired_reply_window_auto_closes(complaint_in):
    complaint = complaint_in(State.RESPONDED)
    window = complaint.clocks.get(name="reply_window")

    done = sweep(now=window.due_at + dt.timedelta(seconds=1))

    assert done[Action.AUTO_CLOSE] == 1
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (complaint.state, complaint.closure_reason) == (State.CLOSED, "no_reply")
    # The citizen's window ran out: that clock reads breached (it never counts against the
    # agency), and every other clock stops with the closure.
    assert complaint.clocks.get(name="reply_window").status(window.due_at) == ClockStatus.BREACHED
    assert not complaint.clocks.filter(stopped_at__isnull=True).exists()
    assert sweep(now=window.due_at + dt.timedelta(days=2))[Action.AUTO_CLOSE] == 0
    assert complaint.events.filter(action="auto_close").count() == 1


def test_reply_window_reminder_goes_to_the_citizen(complaint_in):
    complaint = complaint_in(State.RESPONDED)
    window = complaint.clocks.get(name="reply_window")
    sweep(now=window.warn_at + dt.timedelta(seconds=1))
    assert _staff_mail("citizen/reply_window_reminder") == [("siti@example.id", Role.CITIZEN)]


def test_cost_of_a_pass_does_not_grow_with_complaints_that_are_not_due(complaint_in):
    def queries_for_one_pass() -> int:
        with CaptureQueriesContext(connection) as ctx:
            sweep(now=MONDAY_9_WIB + dt.timedelta(hours=2))
        return len(ctx.captured_queries)

    complaint_in(State.ASSIGNED)
    few = queries_for_one_pass()
    for _ in range(15):
        complaint_in(State.ASSIGNED)
    assert queries_for_one_pass() == few


def test_one_pass_handles_many_due_items_across_batches(complaint_in):
    for _ in range(7):
        complaint_in(State.RECEIVED)
    assert sweep(now=FRIDAY_9, batch=3) == Counter({"breached": 7})


def test_sla_sweep_command_reports_what_it_did(complaint_in, capsys):
    import time_machine

    complaint_in(State.RECEIVED)
    with time_machine.travel(FRIDAY_9, tick=False):
        call_command("sla_sweep")
    out = capsys.readouterr().out
    assert out.startswith("sla_sweep at 2026-02-06 02:00:00Z: ")
    assert "breached 1" in out and "sent 2" in out  # the coordinator's mail and the receipt


# The worker closes stale connections between passes, as a long-running process must; that
# needs real transactions rather than the test's wrapping one.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("passes", [1, 2])
def test_sla_worker_runs_the_given_number_of_passes(complaint_in, capsys, passes):
    import time_machine

    complaint_in(State.RECEIVED)
    with time_machine.travel(FRIDAY_9, tick=False):
        call_command("sla_worker", interval=0, passes=passes)
    assert Clock.objects.filter(breached_at__isnull=False).count() == 1
