"""A complaint read with its agency and unit, or with what its staff page shows, by one
statement written once (selectors.complaint_with_places, complaint_for_page) must be the
complaint the ORM's select_related reads, field for field and type for type, on SQLite and
on PostgreSQL, and no more than its query finds."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Model

from complaints.models import Agency, Attachment, Complaint
from complaints.selectors import (
    PAGE_RELATIONS,
    complaint_for_page,
    complaint_with_places,
    complaints_visible_to,
    events_in_order,
)
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
            read = complaint_with_places(Complaint.objects.filter(pk=made_one.pk))
            assert fields(read.agency) == fields(expected.agency)
            assert fields(read.unit) == fields(expected.unit)
        assert fields(read) == fields(expected)
        assert read._state.adding is False and read._state.db == expected._state.db
    assert {m.unit_id is None for m in made} == {True, False}
    # A stored coordinate among them, so that decimals are compared too.
    assert Complaint.objects.get(pk=located.pk).latitude == Decimal("-3.990000")


def test_it_reads_only_what_the_query_finds(world, complaint_in):
    complaint = complaint_in(State.ASSIGNED)
    mine = complaints_visible_to(world.actor(Role.OFFICER))
    elsewhere = complaints_visible_to(world.actor("outside_officer"))
    number = complaint.tracking_number
    assert complaint_with_places(mine.filter(tracking_number=number)).pk == complaint.pk
    assert complaint_with_places(elsewhere.filter(tracking_number=number)) is None
    assert complaint_with_places(mine.filter(tracking_number="NOT-THERE")) is None
    assert complaint_with_places(Complaint.objects.none()) is None


def test_a_page_reads_its_relations_and_clocks_as_select_related_does(
        world, complaint_in, django_assert_num_queries):
    made = [complaint_in(state) for state in State]
    assert {m.assignee_id is None for m in made} == {True, False}
    for made_one in made:
        expected = Complaint.objects.select_related(*PAGE_RELATIONS).get(pk=made_one.pk)
        with django_assert_num_queries(2):  # the complaint and its relations; its clocks
            read = complaint_for_page(Complaint.objects.filter(pk=made_one.pk))
        with django_assert_num_queries(0):
            for name in PAGE_RELATIONS:
                assert fields(getattr(read, name)) == fields(getattr(expected, name)), name
            clocks = list(read.clocks.all())
            assert all(clock.complaint is read for clock in clocks)
        assert fields(read) == fields(expected)
        assert [fields(c) for c in clocks] == [
            fields(c) for c in expected.clocks.order_by("started_at", "id")]
        assert clocks
    assert complaint_for_page(Complaint.objects.none()) is None


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
            read = complaint_for_page(Complaint.objects.filter(pk=made_one.pk))
        tier = (made_one.standard.tiers.filter(code=made_one.complexity).first()
                if made_one.complexity else None)
        assert read.referred_from_number == (
            Complaint.objects.filter(referred_to=made_one)
            .values_list("tracking_number", flat=True).first())
        assert bool(read.has_attachments) == made_one.attachments.exists()
        assert (read.tier_label, read.tier_duration, read.tier_unit) == (
            (tier.label, tier.duration, tier.unit) if tier else (None, None, None))
    assert complaint_for_page(Complaint.objects.filter(pk=target.pk)).referred_from_number \
        == made[-1].tracking_number
    assert complaint_for_page(Complaint.objects.filter(pk=with_files.pk)).has_attachments


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
