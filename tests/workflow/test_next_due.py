"""Complaint.next_due, the queues' urgency order, follows the clocks through every action."""

from __future__ import annotations

import datetime as dt

from complaints.models import NO_DEADLINE, Complaint
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import CITIZEN_CLOCKS, Action, Role

JOURNEY = [
    (Action.ASSIGN, Role.COORDINATOR), (Action.EXTEND, Role.SUPERVISOR),
    (Action.REQUEST_INFO, Role.OFFICER), (Action.PROVIDE_INFO, Role.CITIZEN),
    (Action.RESPOND, Role.OFFICER), (Action.DISPUTE, Role.CITIZEN),
    (Action.RESPOND, Role.OFFICER), (Action.ACCEPT, Role.CITIZEN),
]


def earliest_running_deadline(complaint: Complaint) -> dt.datetime:
    return min((c.due_at for c in complaint.clocks.all()
                if c.stopped_at is None and c.paused_at is None
                and c.name not in CITIZEN_CLOCKS), default=NO_DEADLINE)


def test_next_due_is_the_earliest_running_agency_deadline_after_every_action(world, submit):
    complaint = submit().complaint
    seen = [complaint.next_due]
    assert complaint.next_due == earliest_running_deadline(complaint) != NO_DEADLINE
    for step, (action, role) in enumerate(JOURNEY, start=1):
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=world.actor(role, complaint),
            payload=valid_payload(action, world),
            now=MONDAY_9_WIB + dt.timedelta(hours=step))
        stored = Complaint.objects.get(pk=complaint.pk).next_due
        assert complaint.next_due == stored == earliest_running_deadline(complaint), action
        seen.append(stored)
    # It moved with the clocks: paused while the citizen was asked, none once closed.
    assert seen[3] == NO_DEADLINE  # waiting for information: the agency's clocks paused
    assert seen[-1] == NO_DEADLINE
    assert len(set(seen)) >= 4


def test_staff_intake_in_the_past_counts_from_receipt(world, submit):
    received = MONDAY_9_WIB - dt.timedelta(days=10)
    complaint = submit(actor=world.actor(Role.COORDINATOR), channel="phone",
                       received_at=received).complaint
    assert complaint.next_due == earliest_running_deadline(complaint) < MONDAY_9_WIB


def test_the_migration_fills_the_column_as_the_workflow_keeps_it(world, submit, complaint_in):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("complaints.migrations.0002_queue_order_column")
    open_ = [submit().complaint, complaint_in("assigned"), complaint_in("responded")]
    closed = complaint_in("closed")
    kept = {c.pk: Complaint.objects.get(pk=c.pk).next_due for c in [*open_, closed]}
    Complaint.objects.update(next_due=NO_DEADLINE)
    migration.fill_next_due(apps, None)
    assert {c.pk: c.next_due for c in Complaint.objects.all()} == kept
    assert kept[open_[0].pk] != NO_DEADLINE and kept[closed.pk] == NO_DEADLINE


def test_writes_take_a_bounded_number_of_statements(world, submit, django_assert_num_queries):
    submit()  # the agency's calendar, read once per process and agency
    # The standard in force; savepoint; complaint (with next_due; the unique index guards
    # its tracking number); reporter; the standard's clock policies; the event (its chain
    # starts here); the three clocks at once; the acknowledgement, to the reporter just
    # written; release.
    with django_assert_num_queries(9):
        complaint = submit().complaint
    complaint_transition(complaint=complaint, action=Action.ASSIGN,
                         actor=world.actor(Role.COORDINATOR),
                         payload=valid_payload(Action.ASSIGN, world), now=MONDAY_9_WIB)
    actor = world.actor(Role.COORDINATOR)
    # Savepoint; row lock; the complaint with its agency, unit and standard; the unit's
    # parent; the new officer; its clocks (for next_due); the complaint; the chain's last
    # event; the event; the officer's notice; release.
    with django_assert_num_queries(11):
        complaint_transition(complaint=complaint.pk, action=Action.REASSIGN, actor=actor,
                             payload=valid_payload(Action.REASSIGN, world),
                             now=MONDAY_9_WIB + dt.timedelta(hours=1))
    # An action that stops clocks and starts one reads the complaint's clocks once: savepoint;
    # row lock; the complaint with its relations; its clocks; first response and statutory
    # answer stopped; the reply window's policy; the agency's holidays; the reply window;
    # the complaint; the chain's last event; the event; the reporter's address; the
    # citizen's notice; release.
    officer = Actor.staff(world.second_officer)
    with django_assert_num_queries(15):
        complaint_transition(complaint=complaint.pk, action=Action.RESPOND, actor=officer,
                             payload=valid_payload(Action.RESPOND, world),
                             now=MONDAY_9_WIB + dt.timedelta(hours=2))
