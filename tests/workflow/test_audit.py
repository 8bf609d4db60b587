"""The audit chain: appended by every action, verified, and broken by any edit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.conftest import MONDAY_9_WIB
from workflow.audit import compute_hash, event_fields, verify_complaint
from workflow.models import AppendOnlyError, Event
from workflow.states import State


def test_each_event_links_to_the_previous_one(complaint_in):
    complaint = complaint_in(State.CLOSED)
    events = list(complaint.events.order_by("seq"))
    assert [e.action for e in events] == ["submit", "assign", "respond", "accept"]
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.hash == compute_hash(event.prev_hash,
                                          event_fields(event, complaint.tracking_number))
    assert verify_complaint(complaint).ok


def test_verify_audit_reports_ok(complaint_in, capsys):
    complaint_in(State.CLOSED)
    complaint_in(State.RESPONDED)
    call_command("verify_audit")
    assert capsys.readouterr().out.strip() == "OK: 2 complaints, 7 events verified."


def _raw_update(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", '{"response": "Diubah diam-diam"}'), ("actor_label", "someone-else"),
     ("occurred_at", "2026-02-03 02:00:00+00:00"), ("to_state", "closed")],
)
def test_editing_an_event_row_breaks_the_chain_at_that_event(complaint_in, column, value):
    complaint = complaint_in(State.CLOSED)
    other = complaint_in(State.ASSIGNED)
    tampered = complaint.events.get(seq=3)
    _raw_update(f"UPDATE workflow_event SET {column} = %s WHERE id = %s", [value, tampered.pk])

    report = verify_complaint(complaint)
    assert (report.ok, report.broken_seq) == (False, 3)
    assert report.reason == "hash does not match the event's contents"
    with pytest.raises(CommandError, match="1 of 2 audit chains are broken"):
        call_command("verify_audit")
    with pytest.raises(CommandError):
        call_command("verify_audit", complaint.tracking_number)
    call_command("verify_audit", other.tracking_number)  # the other chain still verifies


def test_removing_an_event_breaks_the_chain(complaint_in):
    complaint = complaint_in(State.CLOSED)
    _raw_update("DELETE FROM workflow_notification WHERE event_id IN "
                "(SELECT id FROM workflow_event WHERE seq = 2)", [])
    _raw_update("DELETE FROM workflow_event WHERE seq = 2", [])
    report = verify_complaint(complaint)
    assert (report.ok, report.broken_seq) == (False, 3)
    assert report.reason == "expected event 2, found 3"


def test_a_complaint_without_any_event_left_is_a_broken_chain(complaint_in, capsys):
    """Every chain starts with the submission: deleting all of a complaint's events must not
    make it vanish from the check."""
    complaint = complaint_in(State.RESPONDED)
    complaint_in(State.CLOSED)
    _raw_update("DELETE FROM workflow_notification WHERE event_id IN "
                "(SELECT id FROM workflow_event WHERE complaint_id = %s)", [complaint.pk])
    _raw_update("DELETE FROM workflow_event WHERE complaint_id = %s", [complaint.pk])

    report = verify_complaint(complaint)
    assert (report.ok, report.events, report.broken_seq) == (False, 0, 1)
    assert report.reason == "the complaint has no events"
    with pytest.raises(CommandError, match="1 of 2 audit chains are broken"):
        call_command("verify_audit")
    assert capsys.readouterr().out.strip() == (
        f"BROKEN {complaint.tracking_number} at event 1: the complaint has no events")
    with pytest.raises(CommandError, match="1 of 1 audit chains are broken"):
        call_command("verify_audit", complaint.tracking_number)


def test_rehashing_an_edited_event_still_breaks_the_next_link(complaint_in):
    complaint = complaint_in(State.CLOSED)
    event = complaint.events.get(seq=2)
    fields = event_fields(event, complaint.tracking_number) | {"payload": {"unit": "x"}}
    _raw_update("UPDATE workflow_event SET payload = %s, hash = %s WHERE id = %s",
                ['{"unit": "x"}', compute_hash(event.prev_hash, fields), event.pk])
    report = verify_complaint(complaint)
    assert (report.ok, report.broken_seq) == (False, 3)
    assert report.reason == "prev_hash does not match the previous event"


def test_events_cannot_be_changed_or_deleted_through_the_orm(complaint_in):
    event = complaint_in(State.RECEIVED).events.get()
    event.actor_label = "x"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_verify_audit_rejects_an_unknown_tracking_number(world):
    with pytest.raises(CommandError, match="Unknown tracking number"):
        call_command("verify_audit", "AAAAA-AAAAA")


def test_event_times_are_hashed_in_utc_whatever_the_input_zone(submit):
    complaint = submit(now=MONDAY_9_WIB).complaint
    assert event_fields(complaint.events.get(), complaint.tracking_number)["occurred_at"] == (
        "2026-02-02T02:00:00.000000Z")
