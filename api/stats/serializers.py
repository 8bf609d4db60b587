"""The query and the response of the public statistics endpoint.

The response serializers render `workflow.stats.Statistics` as it is, so the OpenAPI schema
and the JSON cannot drift apart. Definitions of the numbers: docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers import CodeField
from complaints.models import Agency, Service
from workflow.states import ClosureReason, State
from workflow.stats import AGENCY_CLOCKS


# Local dates whose day, in every agency's zone, is a range of UTC instants: the first and
# the last day of the calendar are not (0001-01-01 at +07:00 is before year 1 in UTC).
EARLIEST_DATE, LATEST_DATE = dt.date(1, 1, 2), dt.date(9999, 12, 30)


class StatsQuerySerializer(serializers.Serializer):
    agency = CodeField(
        slug_field="code", queryset=Agency.objects.all(), required=False,
        help_text="Agency code: this agency and all its units. An unknown code is a 400.",
    )
    service = CodeField(
        slug_field="code", queryset=Service.objects.all(), required=False,
        help_text="Service code. An unknown code is a 400.",
    )
    received_after = serializers.DateField(
        required=False,
        help_text="YYYY-MM-DD: received on this local date (in the agency's time zone) or later.",
    )
    received_before = serializers.DateField(
        required=False,
        help_text="YYYY-MM-DD: received on this local date (in the agency's time zone) or earlier.",
    )

    def validate_received_after(self, value: dt.date) -> dt.date:
        return _within_calendar(value)

    def validate_received_before(self, value: dt.date) -> dt.date:
        return _within_calendar(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("received_after"), attrs.get("received_before")
        if after and before and after > before:
            raise serializers.ValidationError(
                {"received_before": [_("Must not be before received_after.")]})
        return attrs


def _within_calendar(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(_("Out of range."))
    return value


class StatsStatesSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {s.value: serializers.IntegerField() for s in State}


class StatsClosureReasonsSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {r.value: serializers.IntegerField() for r in ClosureReason}


class StatsClockSerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text="Stopped at or before the deadline.")
    breached = serializers.IntegerField(
        help_text="Stopped after the deadline, or still running past it.")
    open = serializers.IntegerField(help_text="Running, at risk or paused: not decided yet.")
    on_time_percent = serializers.FloatField(
        allow_null=True, help_text="met / (met + breached) × 100, to 0.1; null when none decided.")


class StatsClocksSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: StatsClockSerializer() for name in AGENCY_CLOCKS}


class StatsDurationSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Complaints measured.")
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class StatsReopenSerializer(serializers.Serializer):
    responded = serializers.IntegerField(help_text="Complaints responded to at least once.")
    reopened = serializers.IntegerField(help_text="Of those, complaints disputed at least once.")
    rate_percent = serializers.FloatField(
        allow_null=True, help_text="reopened / responded × 100, to 0.1; null when none responded.")


class StatsFiguresSerializer(serializers.Serializer):
    complaints = serializers.IntegerField()
    by_state = StatsStatesSerializer()
    by_closure_reason = StatsClosureReasonsSerializer()
    clocks = StatsClocksSerializer(help_text="The agency's clocks; info_wait and reply_window "
                                             "wait on the citizen and are left out.")
    time_to_first_response = StatsDurationSerializer(
        help_text="received_at → the first respond event, in hours.")
    time_to_closure = StatsDurationSerializer(help_text="received_at → closed_at, in hours.")
    reopen = StatsReopenSerializer()


class StatsServiceSerializer(StatsFiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatsAgencySerializer(StatsFiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent_code = serializers.CharField(
        allow_null=True, help_text="The code of the agency this one is a unit of; null at the top.")
    services = StatsServiceSerializer(many=True)


class StatsPeriodSerializer(serializers.Serializer):
    received_after = serializers.DateField(allow_null=True)
    received_before = serializers.DateField(allow_null=True)


class StatsFiltersSerializer(serializers.Serializer):
    agency = serializers.CharField(allow_null=True)
    service = serializers.CharField(allow_null=True)


class StatsSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField(help_text="The instant clock statuses are taken at.")
    period = StatsPeriodSerializer()
    filters = StatsFiltersSerializer(source="*")
    totals = StatsFiguresSerializer()
    agencies = StatsAgencySerializer(
        many=True, help_text="Agencies (and units) with at least one selected complaint, by code.")
