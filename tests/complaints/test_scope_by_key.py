"""`scope_filter(actor, by_key=True)` selects exactly the complaints `scope_filter(actor)`
does, with a condition on the complaint's own columns (the staff dashboard's aggregates
use it, docs/performance.md finding 15); `scope_parts(actor)` selects them in parts no two
of which share a complaint (the queue's count, finding 50)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from complaints.models import Agency, Complaint, Membership
from complaints.selectors import OrderedKeys, scope_filter, scope_parts
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, Role, State


@pytest.fixture
def spread(world, submit, complaint_in):
    """Complaints in the agency without a unit, in its unit, in a unit under the unit, in
    the other agency without a unit, and one of the other agency's assigned to our officer
    (who holds no grant there: they see it as its assignee only)."""
    User = get_user_model()
    deeper = Agency.objects.create(code="disdukcapil-ktp-arsip", name="Seksi Arsip",
                                   parent=world.unit, time_zone="Asia/Jakarta")
    deep_officer = User.objects.create_user(username="deep_officer")
    Membership.objects.create(user=deep_officer, role=Role.OFFICER, agency=deeper)
    received = complaint_in(State.RECEIVED)
    in_unit = complaint_in(State.ASSIGNED)
    in_deeper = complaint_transition(
        complaint=complaint_in(State.ASSIGNED), action=Action.REASSIGN,
        actor=world.actor(Role.COORDINATOR),
        payload={"unit": deeper.code, "assignee": "deep_officer"})
    elsewhere = submit(service=world.other_service).complaint
    lent_grant = Membership.objects.create(user=world.officer, role=Role.OFFICER,
                                           agency=world.other_agency)
    dishub = User.objects.create_user(username="dishub_coordinator")
    Membership.objects.create(user=dishub, role=Role.COORDINATOR, agency=world.other_agency)
    lent = complaint_transition(
        complaint=submit(service=world.other_service).complaint, action=Action.ASSIGN,
        actor=Actor.staff(dishub),
        payload={"unit": world.other_agency.code, "assignee": "officer"})
    lent_grant.delete()
    both = User.objects.create_user(username="two_roles")
    Membership.objects.create(user=both, role=Role.SUPERVISOR, agency=world.unit)
    Membership.objects.create(user=both, role=Role.COORDINATOR, agency=world.other_agency)
    nobody = User.objects.create_user(username="no_roles")
    return {
        "complaints": (received, in_unit, in_deeper, elsewhere, lent),
        "people": (world.coordinator, world.supervisor, world.officer, world.second_officer,
                   world.outside_officer, world.ombudsman, deep_officer, both, nobody),
    }


def test_the_keyed_scope_selects_what_the_paths_select(spread, django_assert_num_queries):
    seen = {}
    for person in spread["people"]:
        actor = Actor.staff(person)
        by_path = scope_filter(actor)
        agencies_read = 0 if actor.has_role(Role.OMBUDSMAN) or not actor.grants else 1
        with django_assert_num_queries(agencies_read):
            by_key = scope_filter(actor, by_key=True)
        keyed = Complaint.objects.filter(by_key)
        assert "complaints_agency" not in str(keyed.query)
        assert set(keyed) == set(Complaint.objects.filter(by_path)), person.username
        seen[person.username] = {c.tracking_number for c in keyed}
    received, in_unit, in_deeper, elsewhere, lent = (
        c.tracking_number for c in spread["complaints"])
    # Each rule is met by some complaint, so the comparison above covers every rule.
    assert seen["coordinator"] == {received, in_unit, in_deeper}
    assert seen["supervisor"] == seen["second_officer"] == {in_unit, in_deeper}
    assert seen["officer"] == {in_unit, in_deeper, lent}
    assert seen["deep_officer"] == {in_deeper}
    assert seen["outside_officer"] == {lent}
    assert seen["two_roles"] == {in_unit, in_deeper, elsewhere, lent}
    assert seen["no_roles"] == set()
    assert seen["ombudsman"] == {received, in_unit, in_deeper, elsewhere, lent}


def test_the_scopes_parts_share_no_complaint_and_hold_all_it_selects(
        spread, django_assert_num_queries):
    for person in spread["people"]:
        actor = Actor.staff(person)
        scope = set(Complaint.objects.filter(scope_filter(actor)))
        with django_assert_num_queries(0):
            parts = scope_parts(actor)
        found = [set(Complaint.objects.filter(part)) for part in parts]
        assert sum(map(len, found)) == len(scope), person.username  # none in two parts
        assert set().union(*found) == scope, person.username
        # The queue counts by them, in one statement.
        keys = OrderedKeys.visible_to(actor, Complaint.objects.all(), ("next_due", "id"), 2)
        with django_assert_num_queries(1):
            assert keys.count() == min(len(scope), 2), person.username
        assert keys.more == (len(scope) > 2)


def test_no_scope_for_anyone_but_staff(world, submit):
    complaint = submit().complaint
    assert scope_filter(Actor.citizen(complaint), by_key=True) is None
    assert scope_parts(Actor.citizen(complaint)) is None
