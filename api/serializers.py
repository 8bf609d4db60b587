"""Representations of the API. Reads only: every write goes through the workflow service,
with the request's fields passed as they are (workflow.payloads validates them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.models import (
    Agency,
    Channel,
    Classification,
    ClockPolicy,
    Complaint,
    ComplexityTier,
    Service,
    ServiceStandard,
    Visibility,
)
from workflow.models import Clock, Event
from workflow.states import Action, ClockStatus, ClosureReason, RejectionReason


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name"]


class ServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["code", "name"]


class ClockSerializer(serializers.Serializer):
    """One SLA clock: the same status as the pages and the exports."""

    name = serializers.CharField()
    cycle = serializers.IntegerField()
    duration = serializers.IntegerField()
    unit = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=ClockStatus.choices)
    breached_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    extended_by = serializers.IntegerField()

    def to_representation(self, clock: Clock) -> dict[str, Any]:
        return clock_data(clock, self.context.get("now") or timezone.now(),
                          timezone.get_current_timezone())


def instant(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """What DRF's DateTimeField gives (ISO 8601 in `zone`, `Z` for UTC), without building
    a field per value: a page of 50 complaints has some 500 instants."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def for_reader(data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """A complaint's representation as its reader may see it: citizens see which unit
    handles their complaint, not which officer."""
    if context.get("citizen"):
        data.pop("assigned_to")
    return data


def clock_data(clock: Clock, now: dt.datetime, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "name": clock.name, "cycle": clock.cycle, "duration": clock.duration,
        "unit": clock.unit, "started_at": instant(clock.started_at, zone),
        "due_at": instant(clock.due_at, zone), "status": clock.status(now),
        "breached_at": instant(clock.reported_breach(now), zone),
        "stopped_at": instant(clock.stopped_at, zone),
        "extended_by": clock.extended_by,
    }


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()

    def to_representation(self, user: Any) -> dict[str, str]:
        return {"username": user.get_username(), "name": user.get_full_name()}


class LocationSerializer(serializers.Serializer):
    text = serializers.CharField(source="location_text")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()


class ComplaintSerializer(serializers.ModelSerializer):
    """The full complaint. Times are in the agency's zone, with its offset."""

    service = ServiceRefSerializer()
    agency = AgencyRefSerializer()
    unit = AgencyRefSerializer(allow_null=True)
    # Not required: citizens never get it (see to_representation).
    assigned_to = PersonSerializer(source="assignee", allow_null=True, required=False)
    location = LocationSerializer(source="*")
    standard_version = serializers.IntegerField(source="standard.version")
    # Declared rather than left to read_only_fields, so that the schema admits the blank and
    # null values they have until they are set: DRF drops allow_blank from read-only fields.
    classification = serializers.ChoiceField(choices=Classification.choices, allow_blank=True,
                                             read_only=True)
    complexity = serializers.CharField(read_only=True, help_text="Tier code; blank until "
                                                                 "assigned.")
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True,
                                             read_only=True)
    rejection_reason = serializers.ChoiceField(choices=RejectionReason.choices,
                                               allow_blank=True, read_only=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="tracking_number", read_only=True,
                                                allow_null=True)
    referred_to = serializers.SlugRelatedField(slug_field="tracking_number", read_only=True,
                                               allow_null=True)
    feedback = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "tracking_number", "state", "title", "description", "service", "agency", "unit",
            "assigned_to", "channel", "visibility", "classification", "complexity", "location",
            "standard_version", "received_at", "updated_at", "assigned_at",
            "first_answered_at", "responded_at", "closed_at", "closure_reason",
            "rejection_reason", "duplicate_of", "referred_to", "referred_to_agency",
            "pending_info_request", "response", "dispute_count", "feedback", "sla",
        ]
        read_only_fields = fields

    def to_representation(self, complaint: Complaint) -> dict[str, Any]:
        """The fields above, written out: DRF's field-by-field path took 17–23 ms for a page
        of 50 where this takes a few. tests/api/test_serializers.py checks that both give
        the same for complaints in every state."""
        zone = complaint.agency.zone
        now = self.context.get("now") or timezone.now()
        data = {
            "tracking_number": complaint.tracking_number,
            "state": complaint.state,
            "title": complaint.title,
            "description": complaint.description,
            "service": _ref(complaint.service),
            "agency": _ref(complaint.agency),
            "unit": _ref(complaint.unit) if complaint.unit_id else None,
            "assigned_to": ({"username": complaint.assignee.get_username(),
                             "name": complaint.assignee.get_full_name()}
                            if complaint.assignee_id else None),
            "channel": complaint.channel,
            "visibility": complaint.visibility,
            "classification": complaint.classification,
            "complexity": complaint.complexity,
            "location": {"text": complaint.location_text,
                         "latitude": _coordinate(complaint.latitude),
                         "longitude": _coordinate(complaint.longitude)},
            "standard_version": complaint.standard.version,
            **{name: instant(getattr(complaint, name), zone) for name in (
                "received_at", "updated_at", "assigned_at", "first_answered_at",
                "responded_at", "closed_at")},
            "closure_reason": complaint.closure_reason,
            "rejection_reason": complaint.rejection_reason,
            "duplicate_of": (complaint.duplicate_of.tracking_number
                             if complaint.duplicate_of_id else None),
            "referred_to": (complaint.referred_to.tracking_number
                            if complaint.referred_to_id else None),
            "referred_to_agency": complaint.referred_to_agency,
            "pending_info_request": complaint.pending_info_request,
            "response": complaint.response,
            "dispute_count": complaint.dispute_count,
            "feedback": self.get_feedback(complaint),
            "sla": [clock_data(clock, now, zone) for clock in complaint.clocks.all()],
        }
        return for_reader(data, self.context)

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, complaint: Complaint) -> dict[str, Any] | None:
        try:
            feedback = complaint.feedback
        except ObjectDoesNotExist:
            return None
        return {"rating": feedback.rating, "comment": feedback.comment}

    @extend_schema_field(ClockSerializer(many=True))
    def get_sla(self, complaint: Complaint) -> list[dict[str, Any]]:
        return ClockSerializer(complaint.clocks.all(), many=True, context=self.context).data


SIX_PLACES = Decimal("0.000001")


def _ref(record: Agency | Service) -> dict[str, str]:
    return {"code": record.code, "name": record.name}


def _coordinate(value: Decimal | None) -> str | None:
    # As DRF's DecimalField(decimal_places=6) writes it.
    return None if value is None else format(value.quantize(SIX_PLACES), "f")


class ComplaintDetailSerializer(ComplaintSerializer):
    """One complaint (api.views.detail writes it)."""

    available_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=Action.choices), read_only=True,
        help_text="What the caller may do now, in workflow order.")

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "available_actions"]
        read_only_fields = fields


class CodeField(serializers.SlugRelatedField):
    """A record by its code. A code with NUL is refused before the query: PostgreSQL
    refuses it there (a 500)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class SubmissionSerializer(serializers.Serializer):
    """A new complaint. Staff recording one received by phone, letter or in person may set
    `channel` and `received_at`."""

    service = CodeField(slug_field="code", queryset=Service.objects.select_related("agency"))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    location_text = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                          default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                         allow_null=True, min_value=-180, max_value=180)
    received_at = serializers.DateTimeField(required=False)
    reporter = serializers.DictField(child=serializers.JSONField(), required=False,
                                     help_text="name, email, phone, id_number, address, "
                                               "consent_to_share")
    attachments = serializers.ListField(child=serializers.FileField(), required=False,
                                        max_length=10)


class SubmittedSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    access_token = serializers.CharField(help_text="Shown once: keep it to follow the "
                                                   "complaint (header X-Access-Token).")
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    sla = ClockSerializer(many=True)


class EventSerializer(serializers.ModelSerializer):
    """An audit event with everything needed to recompute its hash (docs/audit.md)."""

    tracking_number = serializers.CharField(source="complaint.tracking_number")
    actor = serializers.CharField(source="actor_label")
    occurred_at = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["tracking_number", "seq", "action", "actor", "role", "occurred_at",
                  "from_state", "to_state", "payload", "prev_hash", "hash"]

    def get_occurred_at(self, event: Event) -> str:
        from workflow.audit import format_time

        return format_time(event.occurred_at)


class ClockPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockPolicy
        fields = ["name", "duration", "unit", "warning_fraction", "pausable", "ceiling",
                  "legal_reference"]


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplexityTier
        fields = ["code", "label", "duration", "unit", "is_default"]


class StandardSerializer(serializers.ModelSerializer):
    clocks = ClockPolicySerializer(many=True, read_only=True)
    tiers = TierSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceStandard
        fields = ["version", "effective_from", "legal_reference", "summary", "clocks", "tiers"]


class CurrentStandardSerializer(StandardSerializer):
    """The service's standard in force today (the view's `in_force`, read by
    selectors.standards_in_force), or null. A nested field, so its fields are
    built once for the whole list rather than once per service (a serializer made inside a
    method field builds them on every call: 300 services took 0.6 s)."""

    def get_attribute(self, service: Service) -> Any:
        return self.context["in_force"].get(service.pk)


class ServiceSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer()
    standard = CurrentStandardSerializer(allow_null=True)

    class Meta:
        model = Service
        fields = ["code", "name", "description", "group", "keywords", "agency", "standard"]
