"""Receiving a complaint: what is stored, pinned, started and queued — and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from complaints.defaults import create_default_standard
from complaints.identifiers import hash_token, normalize_tracking_number
from complaints.models import Complaint, Reporter
from tests.conftest import MONDAY_9_WIB
from workflow.errors import InvalidInput, NotPermitted
from workflow.models import Clock, Event, Notification
from workflow.notifications import citizen_email
from workflow.permissions import Actor
from workflow.states import Role, State


def test_submission_stores_the_complaint_and_keeps_identity_apart(submit):
    submitted = submit(visibility="anonymous")
    complaint = Complaint.objects.get(pk=submitted.complaint.pk)

    assert normalize_tracking_number(complaint.tracking_number) == complaint.tracking_number
    assert complaint.access_token_hash == hash_token(submitted.access_token)
    assert submitted.access_token not in complaint.access_token_hash
    assert (complaint.state, complaint.visibility, complaint.channel) == (
        State.RECEIVED, "anonymous", "web")
    assert complaint.received_at == MONDAY_9_WIB
    reporter = Reporter.objects.get(complaint=complaint)
    assert (reporter.name, reporter.email) == ("Siti Rahayu", "siti@example.id")


def test_submission_writes_the_first_event_and_starts_three_clocks(submit):
    complaint = submit().complaint
    event = complaint.events.get()
    assert (event.seq, event.action, event.role, event.from_state, event.to_state) == (
        1, "submit", Role.CITIZEN, "", State.RECEIVED)
    assert event.payload == {"service": "ktp-el", "standard_version": 1, "channel": "web",
                             "visibility": "public",
                             "received_at": "2026-02-02T02:00:00.000000Z"}
    clocks = {c.name: c for c in complaint.clocks.all()}
    assert set(clocks) == {"verify", "statutory_answer", "resolution"}
    assert all(c.started_at == MONDAY_9_WIB for c in clocks.values())
    # 3 working days from Monday 2 Feb 2026: Tue, Wed, Thu → Thursday 23:59:59 WIB.
    assert clocks["verify"].due_at == dt.datetime(2026, 2, 5, 16, 59, 59, tzinfo=dt.UTC)
    # 14 calendar days → Monday 16 Feb 23:59:59 WIB.
    assert clocks["statutory_answer"].due_at == dt.datetime(2026, 2, 16, 16, 59, 59,
                                                            tzinfo=dt.UTC)


def test_submission_queues_an_acknowledgement_for_the_reporter(submit):
    complaint = submit().complaint
    assert list(Notification.objects.values_list("recipient", "template", "status")) == [
        ("siti@example.id", "citizen/submit", "pending")]
    assert Notification.objects.get().event == complaint.events.get()


def test_the_reporters_address_comes_from_the_complaint_when_its_reporter_is_loaded(
        submit, django_assert_num_queries):
    with_contact = submit().complaint
    without = submit(reporter=None).complaint
    for pk, email in ((with_contact.pk, "siti@example.id"), (without.pk, "")):
        assert citizen_email(Complaint.objects.get(pk=pk)) == email  # read
        loaded = Complaint.objects.select_related("reporter").get(pk=pk)
        with django_assert_num_queries(0):
            assert citizen_email(loaded) == email


def test_submission_without_contact_details_stores_no_reporter(submit):
    complaint = submit(reporter=None).complaint
    assert not Reporter.objects.filter(complaint=complaint).exists()
    assert not Notification.objects.exists()


def test_complaint_pins_the_standard_in_force_when_received(world, submit):
    create_default_standard(world.service, effective_from=dt.date(2026, 3, 1), version=2)
    before = submit(now=MONDAY_9_WIB).complaint
    after = submit(now=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)).complaint
    assert (before.standard.version, after.standard.version) == (1, 2)

    # Editing the policy of v1 later changes no deadline already computed.
    due = before.clocks.get(name="verify").due_at
    before.standard.clocks.filter(name="verify").update(duration=10)
    assert Clock.objects.get(complaint=before, name="verify").due_at == due


def test_the_clocks_come_from_the_standard_in_force(world, submit):
    newer = create_default_standard(world.service, effective_from=dt.date(2026, 3, 1),
                                    version=2)
    newer.clocks.filter(name="verify").update(duration=7)
    # A third version, not yet in force on either day, must not be read.
    later = create_default_standard(world.service, effective_from=dt.date(2027, 1, 1),
                                    version=3)
    later.clocks.filter(name="verify").update(duration=9)
    before = submit(now=MONDAY_9_WIB).complaint
    after = submit(now=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)).complaint
    verify = {c.complaint_id: c.duration for c in Clock.objects.filter(name="verify")}
    assert (verify[before.pk], verify[after.pk]) == (3, 7)
    assert (before.standard.version, after.standard.version) == (1, 2)


def test_a_standard_without_clocks_pins_the_complaint_with_no_deadline(world, submit):
    bare = create_default_standard(world.service, effective_from=dt.date(2026, 1, 1),
                                   version=2)
    bare.clocks.all().delete()
    complaint = submit().complaint
    assert complaint.standard == bare and not complaint.clocks.exists()


def test_a_tracking_number_already_taken_is_drawn_again(submit, monkeypatch):
    taken = submit().complaint
    draws = iter([taken.tracking_number, "ABCDE-FGHJ2"])
    monkeypatch.setattr("workflow.services.new_tracking_number", lambda: next(draws))
    submitted = submit(title="Another")
    assert submitted.complaint.tracking_number == "ABCDE-FGHJ2"
    assert Complaint.objects.get(pk=taken.pk).title == taken.title
    assert Complaint.objects.count() == 2
    assert Event.objects.filter(complaint=submitted.complaint).count() == 1
    assert Clock.objects.filter(complaint=submitted.complaint).count() == 3


def test_drawing_taken_numbers_gives_up_after_three(submit, monkeypatch):
    taken = submit().complaint
    drawn = []
    monkeypatch.setattr("workflow.services.new_tracking_number",
                        lambda: drawn.append(1) or taken.tracking_number)
    with pytest.raises(IntegrityError):
        submit(title="Another")
    assert len(drawn) == 3 and Complaint.objects.count() == 1


def test_staff_intake_may_backdate_receipt_and_clocks_count_from_it(world, submit):
    letter_arrived = MONDAY_9_WIB - dt.timedelta(days=7)
    complaint = submit(actor=world.actor(Role.COORDINATOR), channel="letter",
                       received_at=letter_arrived).complaint
    assert (complaint.channel, complaint.received_at) == ("letter", letter_arrived)
    assert complaint.events.get().role == Role.COORDINATOR
    assert complaint.clocks.get(name="verify").started_at == letter_arrived
    assert complaint.events.get().occurred_at == MONDAY_9_WIB


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": MONDAY_9_WIB - dt.timedelta(days=1)}, "received_at"),
        ({"channel": "phone"}, "channel"),
        ({"visibility": "secret"}, "visibility"),
        ({"description": "   "}, "description"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"latitude": "91"}, "latitude"),
        ({"longitude": "abc"}, "longitude"),
        ({"description": 42}, "description"),
    ],
)
def test_citizen_submission_with_bad_input_is_refused_and_nothing_is_written(
    submit, overrides, field
):
    with pytest.raises(InvalidInput) as error:
        submit(**overrides)
    assert field in error.value.errors
    assert not Complaint.objects.exists() and not Event.objects.exists()


def test_staff_cannot_date_a_complaint_in_the_future(world, submit):
    with pytest.raises(InvalidInput) as error:
        submit(actor=world.actor(Role.COORDINATOR), channel="phone",
               received_at=MONDAY_9_WIB + dt.timedelta(minutes=1))
    assert error.value.errors == {"received_at": "in the future"}


def test_ombudsman_cannot_submit_complaints(world, submit):
    with pytest.raises(NotPermitted):
        submit(actor=world.actor(Role.OMBUDSMAN))


def test_service_without_a_standard_in_force_refuses_complaints(world, submit):
    world.service.standards.update(effective_from=dt.date(2027, 1, 1))
    with pytest.raises(InvalidInput) as error:
        submit()
    assert error.value.errors == {"service": "no standard in force"}


@pytest.mark.parametrize("withdrawn", ["service", "agency"])
def test_a_service_or_its_agency_withdrawn_takes_no_complaints(world, submit, withdrawn):
    target = world.service if withdrawn == "service" else world.agency
    type(target).objects.filter(pk=target.pk).update(is_active=False)
    world.service.refresh_from_db()
    world.service.agency.refresh_from_db()
    with pytest.raises(InvalidInput) as error:
        submit()
    assert error.value.errors == {"service": "inactive"}
    assert not Complaint.objects.exists()


def test_citizen_actor_is_bound_to_one_complaint(submit):
    first, second = submit().complaint, submit().complaint
    assert Actor.citizen(first).complaint_id == first.pk != second.pk


@pytest.mark.parametrize(
    ("reporter", "field"),
    [({"name": "x" * 201}, "reporter.name"), ({"phone": "1" * 41}, "reporter.phone"),
     ({"email": "not-an-address"}, "reporter.email"), ("Siti", "reporter")],
)
def test_reporter_details_that_do_not_fit_are_refused(submit, reporter, field):
    with pytest.raises(InvalidInput) as error:
        submit(reporter=reporter)
    assert field in error.value.errors
    assert not Complaint.objects.exists()
