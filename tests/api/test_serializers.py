"""The complaint representation is written out by hand for speed; it must give exactly what
DRF's own field-by-field path gives for the fields the serializer declares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from api.serializers import ComplaintSerializer
from complaints.models import Complaint
from complaints.selectors import with_relations
from tests.conftest import MONDAY_9_WIB
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

NOW = MONDAY_9_WIB + dt.timedelta(days=20)  # some clocks breached, some met


def field_by_field(serializer: ComplaintSerializer, complaint: Complaint) -> dict:
    with timezone.override(complaint.agency.zone):
        data = serializers.ModelSerializer.to_representation(serializer, complaint)
    if serializer.context.get("citizen"):
        data.pop("assigned_to")
    return dict(data)


@pytest.fixture
def variety(world, complaint_in, submit):
    """Complaints in every state, with and without location, feedback, links, a UTC unit."""
    made = [complaint_in(state) for state in State]
    made.append(submit(location_text="Jl. Merdeka 1", latitude=Decimal("-6.2"),
                       longitude=Decimal("106.816666"), visibility="anonymous").complaint)
    original = made[0]
    made.append(complaint_transition(
        complaint=submit().complaint, action=Action.REJECT, actor=world.actor(Role.COORDINATOR),
        payload={"reason": "duplicate", "duplicate_of": original.tracking_number},
        now=MONDAY_9_WIB + dt.timedelta(hours=1)))
    made.append(complaint_transition(
        complaint=submit().complaint, action=Action.REFER, actor=world.actor(Role.COORDINATOR),
        payload={"service": world.other_service.code},
        now=MONDAY_9_WIB + dt.timedelta(hours=2)))
    made.append(made[-1].referred_to)  # received at the other agency, in UTC below
    world.other_agency.time_zone = "UTC"
    world.other_agency.save()
    return list(with_relations(Complaint.objects.filter(pk__in=[c.pk for c in made]))
                .order_by("pk"))


@pytest.mark.parametrize("context", [{}, {"citizen": True}])
def test_written_out_equals_field_by_field(variety, context):
    assert len(variety) >= 8 and any(c.referred_to_id for c in variety)
    assert any(c.agency.time_zone == "UTC" for c in variety)
    for complaint in variety:
        serializer = ComplaintSerializer(context={**context, "now": NOW})
        assert serializer.to_representation(complaint) == field_by_field(serializer, complaint)
