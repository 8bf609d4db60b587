"""A complaint read with its agency and unit, or with what its staff page shows, by one
statement written once (selectors.numbered_complaint, complaint_for_page) must be the
complaint the ORM's select_related reads, field for field and type for type, on SQLite and
on PostgreSQL, and only when the actor's scope holds it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.db.models.sql.compiler import SQLCompiler

from complaints import selectors
from complaints.models import Agency, Attachment, Complaint, Membership
from complaints.selectors import (
    PAGE_RELATIONS,
    by_grants_alone,
    complaint_for_page,
    complaints_visible_to,
    events_in_order,
    numbered_complaint,
)
from workflow.permissions import Actor
from workflow.states import Role, State


def fields(instance: Model | None) -> list[tuple[str, object, type]] | None:
    if instance is None:
        return None
    return [(f.attname, getattr(instance, f.attname), type(getattr(instance, f.attname)))
            for f in instance._meta.concrete_fields]


def test_it_is_what_select_related_reads(world, complaint_in, submit,
                                         django_assert_num_queries):
    located = submit(latitude=Decimal("-3.990000"), longitude=Decimal("122.510000")).complaint
    made = [complaint_in(state) for state in State] + [located]
    Agency.objects.filter(pk=world.agency.pk).update(cuti_bersama_is_working=True)
    for made_one in made:
        expected = Complaint.objects.select_related("agency", "unit").get(pk=made_one.pk)
        with django_assert_num_queries(1):
            read = numbered_complaint(made_one.tracking_number, None)
            assert fields(read.agency) == fields(expected.agency)
            assert fields(read.unit) == fields(expected.unit)
        assert fields(read) == fields(expected)
        assert read._state.adding is False and read._state.db == expected._state.db
    assert {m.unit_id is None for m in made} == {True, False}
    # A stored coordinate among them, so that decimals are compared too.
    assert Complaint.objects.get(pk=located.pk).latitude == Decimal("-3.990000")


def test_it_reads_only_a_complaint_in_the_actors_scope(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    number = complaint.tracking_number
    assert numbered_complaint(number, world.actor(Role.OFFICER)).pk == complaint.pk
    assert numbered_complaint(number, world.actor("outside_officer")) is None
    assert numbered_complaint("NOT-THERE", world.actor(Role.OFFICER)) is None
    assert numbered_complaint(number, Actor.citizen(complaint)) is None
    assert numbered_complaint(number, Actor(kind="staff")) is None  # no grant, no person


def test_whom_it_reads_a_complaint_for_is_the_scope_of_the_lists(world, complaint_in, submit,
                                                                 monkeypatch):
    """For every persona and every complaint, with the scopes kept or compiled again."""
    made = [complaint_in(state) for state in State]
    made.append(submit(service=world.other_service).complaint)
    # Assigned to someone outside their grants, who reads it as its assignee.
    Complaint.objects.filter(pk=made[0].pk).update(assignee=world.outside_officer)
    nobody = get_user_model().objects.create_user(username="no-role", password="x")
    actors = [world.actor(name) for name in (
        Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, "second_officer", "outside_officer",
        Role.OMBUDSMAN, Role.ADMINISTRATOR)]
    actors += [Actor.staff(nobody), by_grants_alone(world.actor(Role.SUPERVISOR))]
    assert actors[-1].user is None
    for kept in (selectors.SCOPES_KEPT, 1):
        monkeypatch.setattr(selectors, "SCOPES_KEPT", kept)
        for actor in actors:
            for complaint in made:
                expected = complaints_visible_to(actor).filter(pk=complaint.pk).exists()
                read = numbered_complaint(complaint.tracking_number, actor)
                assert (read is not None) == expected, (actor.label, complaint.state)
    seen = {(a.label, c.pk) for a in actors for c in made
            if numbered_complaint(c.tracking_number, a) is not None}
    assert 0 < len(seen) < len(actors) * len(made)


def test_an_actors_scope_is_compiled_once_and_again_when_their_grants_change(
        world, complaint_in, monkeypatch):
    complaint = complaint_in(State.RECEIVED)
    number = complaint.tracking_number
    monkeypatch.setattr(selectors, "_SCOPES", {})
    compiled = []  # the statements about complaints the ORM compiles
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: (
        self.query.model is Complaint and compiled.append(Complaint), as_sql(self, *a, **k))[1])
    assert numbered_complaint(number, world.actor(Role.OFFICER)) is None  # not assigned
    assert compiled == [Complaint]
    assert numbered_complaint(number, world.actor(Role.OFFICER)) is None
    assert compiled == [Complaint]
    # A grant on the agency: read with it at once, from a scope compiled for it.
    Membership.objects.create(user=world.officer, role=Role.COORDINATOR, agency=world.agency)
    assert numbered_complaint(number, world.actor(Role.OFFICER)).pk == complaint.pk
    assert compiled == [Complaint, Complaint]
    Membership.objects.filter(user=world.officer, role=Role.COORDINATOR).delete()
    assert numbered_complaint(number, world.actor(Role.OFFICER)) is None
    assert compiled == [Complaint, Complaint]


def test_a_page_reads_its_relations_and_clocks_as_select_related_does(
        world, complaint_in, django_assert_num_queries):
    made = [complaint_in(state) for state in State]
    assert {m.assignee_id is None for m in made} == {True, False}
    for made_one in made:
        expected = Complaint.objects.select_related(*PAGE_RELATIONS).get(pk=made_one.pk)
        with django_assert_num_queries(2):  # the complaint and its relations; its clocks
            read = complaint_for_page(made_one.tracking_number, None)
        with django_assert_num_queries(0):
            for name in PAGE_RELATIONS:
                assert fields(getattr(read, name)) == fields(getattr(expected, name)), name
            clocks = list(read.clocks.all())
            assert all(clock.complaint is read for clock in clocks)
        assert fields(read) == fields(expected)
        assert [fields(c) for c in clocks] == [
            fields(c) for c in expected.clocks.order_by("started_at", "id")]
        assert clocks
    assert complaint_for_page("NOT-THERE", None) is None


def test_a_page_reads_the_complaints_other_records_as_the_orm_does(
        world, complaint_in, submit, django_assert_num_queries):
    """The complaint referred to it, whether it has attachments, and its tier."""
    made = [complaint_in(state) for state in State] + [submit().complaint]
    target, with_files = made[0], made[1]
    Complaint.objects.filter(pk=made[-1].pk).update(referred_to=target)
    for name in ("a.pdf", "b.jpg"):
        Attachment.objects.create(complaint=with_files, file=f"x/{name}", original_name=name,
                                  content_type="application/pdf", size=10, sha256="0" * 64,
                                  uploaded_by_role="citizen")
    assert {m.complexity for m in made} >= {"", "normatif"}
    for made_one in made:
        with django_assert_num_queries(2):
            read = complaint_for_page(made_one.tracking_number, None)
        tier = (made_one.standard.tiers.filter(code=made_one.complexity).first()
                if made_one.complexity else None)
        assert read.referred_from_number == (
            Complaint.objects.filter(referred_to=made_one)
            .values_list("tracking_number", flat=True).first())
        assert bool(read.has_attachments) == made_one.attachments.exists()
        assert (read.tier_label, read.tier_duration, read.tier_unit) == (
            (tier.label, tier.duration, tier.unit) if tier else (None, None, None))
    assert complaint_for_page(target.tracking_number, None).referred_from_number \
        == made[-1].tracking_number
    assert complaint_for_page(with_files.tracking_number, None).has_attachments


def test_a_pages_events_are_what_the_orm_reads_in_chain_order(
        world, complaint_in, django_assert_num_queries):
    made = [complaint_in(state) for state in State]
    for made_one in made:
        with django_assert_num_queries(1):
            events = events_in_order(made_one)
        assert [fields(e) for e in events] == [
            fields(e) for e in made_one.events.order_by("seq")]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= 4 and any(e.payload for e in events)
