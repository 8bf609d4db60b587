"""What each action does beyond its state change: payloads, clocks, side records, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from complaints.models import Agency, Complaint, Feedback
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from workflow.models import Event, Notification
from workflow.permissions import Actor
from workflow.services import available_actions, complaint_transition, reporter_for
from workflow.states import Action, ClockStatus, Role, State

LATER = MONDAY_9_WIB + dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def english():
    """The refusals asserted here are matched in English."""
    with translation.override("en"):
        yield


def act(world, complaint, action, role, payload=None, now=LATER):
    return complaint_transition(
        complaint=complaint, action=action, actor=world.actor(role, complaint),
        payload=valid_payload(action, world) if payload is None else payload, now=now)


def test_assign_sets_unit_officer_and_tier_and_starts_first_response(world, complaint_in):
    complaint = act(world, complaint_in(State.RECEIVED), Action.ASSIGN, Role.COORDINATOR,
                    {"unit": world.unit.pk, "assignee": world.officer.pk,
                     "complexity": "ringan", "classification": "complaint"})
    assert (complaint.unit, complaint.assignee, complaint.complexity) == (
        world.unit, world.officer, "ringan")
    assert complaint.clocks.get(name="verify").status(LATER) == ClockStatus.MET
    first = complaint.clocks.get(name="first_response")
    # ringan: 2 working days from Monday → Wednesday 4 Feb 2026 23:59:59 WIB.
    assert (first.duration, first.due_at) == (2, dt.datetime(2026, 2, 4, 16, 59, 59,
                                                             tzinfo=dt.UTC))
    assert complaint.events.latest("seq").payload == {
        "unit": "disdukcapil-ktp", "assignee": "officer", "complexity": "ringan",
        "classification": "complaint"}
    assert Notification.objects.filter(template="staff/assign",
                                       recipient="officer@example.go.id").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"unit": "dishub"}, "unit"),  # a unit of another agency
        ({"unit": "no-such-unit"}, "unit"),
        ({}, "unit"),
        ({"unit": "disdukcapil-ktp", "assignee": "outside_officer"}, "assignee"),
        ({"unit": "disdukcapil-ktp", "assignee": "coordinator"}, "assignee"),
        ({"unit": "disdukcapil-ktp", "complexity": "berat"}, "complexity"),
        ({"unit": "disdukcapil-ktp", "classification": "gossip"}, "classification"),
    ],
)
def test_assign_with_a_bad_payload_is_refused_and_writes_nothing(
    world, complaint_in, payload, field
):
    complaint = complaint_in(State.RECEIVED)
    with pytest.raises(InvalidInput) as error:
        act(world, complaint, Action.ASSIGN, Role.COORDINATOR, payload)
    assert field in error.value.errors
    assert Complaint.objects.get(pk=complaint.pk).state == State.RECEIVED
    assert complaint.events.count() == 1 and complaint.clocks.count() == 3


def test_request_info_pauses_and_provide_info_moves_the_deadlines(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    resolution_due = complaint.clocks.get(name="resolution").due_at
    first_due = complaint.clocks.get(name="first_response").due_at
    act(world, complaint, Action.REQUEST_INFO, Role.OFFICER)
    assert complaint.clocks.get(name="statutory_answer").status(LATER) == ClockStatus.MET
    assert complaint.clocks.get(name="resolution").status(LATER) == ClockStatus.PAUSED
    assert complaint.clocks.get(name="info_wait").status(LATER) == ClockStatus.RUNNING
    assert Complaint.objects.get(pk=complaint.pk).pending_info_request

    # The citizen answers on Thursday: the pause covered Tue, Wed, Thu (3 days).
    thursday = MONDAY_9_WIB + dt.timedelta(days=3)
    act(world, complaint, Action.PROVIDE_INFO, Role.CITIZEN, now=thursday)
    resolution = complaint.clocks.get(name="resolution")
    assert resolution.due_at == resolution_due + dt.timedelta(days=3)
    assert resolution.paused_at is None and resolution.paused_seconds > 0
    assert complaint.clocks.get(name="first_response").due_at == first_due + dt.timedelta(
        days=3)
    assert complaint.clocks.get(name="info_wait").status(thursday) == ClockStatus.MET
    assert Complaint.objects.get(pk=complaint.pk).pending_info_request == ""


def test_only_one_open_information_request_at_a_time(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    act(world, complaint, Action.REQUEST_INFO, Role.OFFICER)
    with pytest.raises(TransitionNotAllowed):
        act(world, complaint, Action.REQUEST_INFO, Role.OFFICER)


def test_extension_is_granted_once_within_the_ceiling(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    due = complaint.clocks.get(name="first_response").due_at
    act(world, complaint, Action.EXTEND, Role.SUPERVISOR,
        {"clock": "first_response", "amount": 2, "reason": "Menunggu data dari pusat"})
    clock = complaint.clocks.get(name="first_response")
    # 5 working days from Mon 2 Feb end Mon 9 Feb; two more: Wed 11 Feb 23:59:59 WIB.
    assert (due, clock.due_at) == (dt.datetime(2026, 2, 9, 16, 59, 59, tzinfo=dt.UTC),
                                   dt.datetime(2026, 2, 11, 16, 59, 59, tzinfo=dt.UTC))
    assert (clock.extended_by, clock.extension_reason) == (2, "Menunggu data dari pusat")
    with pytest.raises(TransitionNotAllowed, match="already extended"):
        act(world, complaint, Action.EXTEND, Role.SUPERVISOR)


def test_extension_past_the_ceiling_or_of_a_statutory_clock_is_refused(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    with pytest.raises(InvalidInput, match="at most 55"):
        act(world, complaint, Action.EXTEND, Role.SUPERVISOR,
            {"clock": "first_response", "amount": 56, "reason": "Rumit"})
    with pytest.raises(TransitionNotAllowed, match="cannot be extended"):
        act(world, complaint, Action.EXTEND, Role.SUPERVISOR,
            {"clock": "statutory_answer", "amount": 1, "reason": "Rumit"})
    assert complaint.events.count() == 2
    assert complaint.clocks.get(name="first_response").extended_by == 0


def test_respond_starts_the_reply_window_and_dispute_opens_a_new_cycle(world, complaint_in):
    complaint = complaint_in(State.RESPONDED)
    reply = complaint.clocks.get(name="reply_window")
    assert reply.status(LATER) == ClockStatus.RUNNING
    complaint = act(world, complaint, Action.DISPUTE, Role.CITIZEN)
    assert (complaint.state, complaint.dispute_count) == (State.ASSIGNED, 1)
    cycles = list(complaint.clocks.filter(name="first_response").values_list("cycle", "duration"))
    assert cycles == [(1, 5), (2, 5)]
    assert complaint.clocks.get(name="reply_window").stopped_at == LATER


def test_dispute_after_the_reply_window_is_refused(world, complaint_in):
    complaint = complaint_in(State.RESPONDED)
    due = complaint.clocks.get(name="reply_window").due_at
    with pytest.raises(TransitionNotAllowed) as error:
        act(world, complaint, Action.DISPUTE, Role.CITIZEN, now=due + dt.timedelta(seconds=1))
    assert error.value.available == ["accept"]


def test_accept_records_the_rating_and_closes_as_resolved(world, complaint_in):
    complaint = act(world, complaint_in(State.RESPONDED), Action.ACCEPT, Role.CITIZEN,
                    {"rating": "4", "comment": "Cukup cepat"})
    assert (complaint.closure_reason, complaint.closed_at) == ("resolved", LATER)
    assert (complaint.feedback.rating, complaint.feedback.comment) == (4, "Cukup cepat")
    assert not complaint.clocks.filter(stopped_at__isnull=True).exists()


@pytest.mark.parametrize("rating", [0, 6, "lima", None, True, 4.5])
def test_accept_needs_a_rating_from_one_to_five(world, complaint_in, rating):
    complaint = complaint_in(State.RESPONDED)
    with pytest.raises(InvalidInput):
        act(world, complaint, Action.ACCEPT, Role.CITIZEN, {"rating": rating})
    assert not Feedback.objects.exists()


def test_reject_as_duplicate_names_the_original(world, complaint_in):
    original, duplicate = complaint_in(State.RECEIVED), complaint_in(State.RECEIVED)
    with pytest.raises(InvalidInput):
        act(world, duplicate, Action.REJECT, Role.COORDINATOR, {"reason": "duplicate"})
    closed = act(world, duplicate, Action.REJECT, Role.COORDINATOR,
                 {"reason": "duplicate", "duplicate_of": original.tracking_number.lower()})
    assert (closed.closure_reason, closed.rejection_reason, closed.duplicate_of) == (
        "rejected", "duplicate", original)


def test_referral_within_aduan_opens_a_linked_complaint_the_same_token_opens(
    world, submit
):
    submitted = submit()
    complaint = submitted.complaint
    closed = act(world, complaint, Action.REFER, Role.COORDINATOR,
                 {"service": "parkir", "note": "Wewenang Dinas Perhubungan"})
    linked = closed.referred_to
    assert (closed.closure_reason, closed.referred_to_agency) == ("referred",
                                                                  "Dinas Perhubungan")
    assert (linked.agency, linked.service.code, linked.channel, linked.state) == (
        world.other_agency, "parkir", "referral", State.RECEIVED)
    assert linked.reporter.email == "siti@example.id"
    assert linked.events.get().payload["referred_from"] == complaint.tracking_number
    assert linked.access_token_hash == complaint.access_token_hash
    assert set(linked.clocks.values_list("name", flat=True)) == {
        "verify", "statutory_answer", "resolution"}


def test_referral_to_a_service_of_the_same_agency_is_refused(world, complaint_in):
    with pytest.raises(InvalidInput):
        act(world, complaint_in(State.RECEIVED), Action.REFER, Role.COORDINATOR,
            {"service": "ktp-el"})


def test_referral_to_a_service_of_an_agency_withdrawn_is_refused(world, complaint_in):
    complaint = complaint_in(State.RECEIVED)
    Agency.objects.filter(pk=world.other_agency.pk).update(is_active=False)
    with pytest.raises(InvalidInput) as error:
        act(world, complaint, Action.REFER, Role.COORDINATOR, {"service": "parkir"})
    assert error.value.errors == {"service": "not a service of another agency"}
    Agency.objects.filter(pk=world.other_agency.pk).update(is_active=True)
    assert act(world, complaint, Action.REFER, Role.COORDINATOR,
               {"service": "parkir"}).referred_to.service.code == "parkir"


def test_not_allowed_now_lists_what_the_actor_can_do(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    with pytest.raises(TransitionNotAllowed) as error:
        act(world, complaint, Action.ASSIGN, Role.COORDINATOR)
    assert error.value.available == ["reassign"]
    assert available_actions(complaint, world.actor(Role.OFFICER), now=LATER) == [
        "request_info", "respond"]
    assert available_actions(complaint, world.actor(Role.SUPERVISOR), now=LATER) == [
        "reassign", "extend"]
    assert available_actions(complaint, Actor.citizen(complaint), now=LATER) == ["withdraw"]
    assert available_actions(complaint, world.actor(Role.OMBUDSMAN), now=LATER) == []


def test_reassigned_officer_loses_the_case(world, complaint_in):
    complaint = act(world, complaint_in(State.ASSIGNED), Action.REASSIGN, Role.SUPERVISOR)
    assert complaint.assignee == world.second_officer
    with pytest.raises(NotPermitted):
        act(world, complaint, Action.RESPOND, Role.OFFICER)
    assert act(world, complaint, Action.RESPOND, "second_officer").state == State.RESPONDED


def test_a_failure_after_the_transition_leaves_nothing_behind(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    before = (Event.objects.count(), Notification.objects.count())
    with pytest.raises(InvalidInput):
        act(world, complaint, Action.EXTEND, Role.SUPERVISOR,
            {"clock": "first_response", "amount": 100, "reason": "x"})
    assert (Event.objects.count(), Notification.objects.count()) == before
    assert Complaint.objects.get(pk=complaint.pk).state == State.ASSIGNED


def test_unknown_action_is_invalid_input(world, complaint_in):
    with pytest.raises(InvalidInput):
        act(world, complaint_in(State.RECEIVED), "delete", Role.COORDINATOR, {})


class TestReporterIdentity:
    def test_coordinator_sees_it_and_the_view_is_logged(self, world, complaint_in):
        complaint = complaint_in(State.ASSIGNED)
        reporter = reporter_for(complaint, world.actor(Role.COORDINATOR), now=LATER)
        assert reporter is not None and reporter.name == "Siti Rahayu"
        event = complaint.events.latest("seq")
        assert (event.action, event.role, event.actor_label) == (
            "identity_viewed", Role.COORDINATOR, "coordinator")

    def test_anonymous_identity_is_hidden_from_the_handling_unit(self, world, submit):
        complaint = submit(visibility="anonymous").complaint
        act(world, complaint, Action.ASSIGN, Role.COORDINATOR)
        for role in (Role.COORDINATOR, Role.OFFICER, Role.SUPERVISOR, "outside_officer"):
            assert reporter_for(complaint, world.actor(role)) is None
        assert not complaint.events.filter(action="identity_viewed").exists()
        assert reporter_for(complaint, Actor.citizen(complaint)).name == "Siti Rahayu"

    def test_ombudsman_sees_identity_only_with_consent(self, world, submit):
        plain = submit().complaint
        consented = submit(reporter={"name": "Budi", "consent_to_share": True}).complaint
        assert reporter_for(plain, world.actor(Role.OMBUDSMAN)) is None
        assert reporter_for(consented, world.actor(Role.OMBUDSMAN)).name == "Budi"

    def test_staff_of_another_agency_never_sees_it(self, world, complaint_in):
        complaint = complaint_in(State.ASSIGNED)
        assert reporter_for(complaint, world.actor("outside_officer")) is None
