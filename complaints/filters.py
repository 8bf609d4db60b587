"""The complaint filters, shared by the API lists, the exports and the staff pages.

Every filter is applied in the database; unknown values are a 400 (django-filter validates
them), never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, TypeVar

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from complaints.identifiers import normalize_tracking_number
from complaints.models import (
    EARLIEST,
    Agency,
    Channel,
    Classification,
    Complaint,
    Service,
    Visibility,
)
from workflow.states import ClockName, ClockStatus, ClosureReason, State


class ChoicesFilter(filters.MultipleChoiceFilter):
    """One or more values of a field of the complaint itself, as one `IN` (django-filter ORs
    an equality per value). No SELECT DISTINCT (django-filter's default): nothing here
    crosses a to-many relation, and DISTINCT over every column of a page sorted the whole
    scope and took longer to plan than to run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": sorted(set(value))})


class StatesFilter(ChoicesFilter):
    """States, as ChoicesFilter; several of them also bounded on next_due by a range every
    complaint is in. The queue indexes read states as (…, state, next_due), and PostgreSQL
    plans a statement prepared and run again and again once, for any parameters: there a
    list of states costed more as a range of the index than as a test of each of a person's
    complaints, so an officer's count of their open ones tested the state of every
    complaint they ever had. A range on next_due makes the states part of the range read
    (docs/performance.md, finding 58)."""

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        qs = super().filter(qs, value)
        return qs.filter(next_due__gte=EARLIEST) if value and len(set(value)) > 1 else qs


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeFilter(filters.ModelMultipleChoiceFilter):
    """One or more records by their code (`service=ktp-el&service=parkir`); an unknown code
    is a 400. A complaint has one service: no DISTINCT needed (see ChoicesFilter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        # No code given cleans to the field's `queryset.none()`, which django-filter would
        # evaluate to find it empty: on every queue page, a third of a millisecond.
        if isinstance(value, QuerySet) and value.query.is_empty():
            return qs
        return super().filter(qs, value)


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, in UTC: the database compares it as sent, and PostgreSQL refuses
    offsets past ±15:59 that Python takes (`-20:41`). One out of range in UTC
    (`0001-01-01T00:00:00+05:00`) is invalid input. Both were a 500."""

    def to_python(self, value: Any) -> dt.datetime | None:
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class InstantFilter(filters.IsoDateTimeFilter):
    field_class = InstantField


class ComplaintFilterSet(filters.FilterSet):
    state = StatesFilter(choices=State.choices)
    agency = filters.CharFilter(method="filter_agency",
                                help_text="Agency code; includes its units.")
    unit = filters.CharFilter(method="filter_unit", help_text="Unit code; includes sub-units.")
    service = CodeFilter(field_name="service__code", to_field_name="code",
                         queryset=Service.objects.all())
    assignee = filters.CharFilter(
        method="filter_assignee",
        help_text="Username of the assigned officer, `me`, or `none` for no officer yet.")
    channel = ChoicesFilter(choices=Channel.choices)
    visibility = ChoicesFilter(choices=Visibility.choices)
    classification = ChoicesFilter(choices=Classification.choices)
    closure_reason = ChoicesFilter(choices=ClosureReason.choices)
    sla_status = ChoicesFilter(
        choices=ClockStatus.choices, method="filter_sla",
        help_text="Complaints with a clock in (any of) these statuses now (with `sla_clock`: "
                  "that clock).",
    )
    sla_clock = filters.ChoiceFilter(choices=ClockName.choices, method="filter_noop",
                                     help_text="The clock `sla_status` looks at.")
    received_after = InstantFilter(field_name="received_at", lookup_expr="gte")
    received_before = InstantFilter(field_name="received_at", lookup_expr="lt")
    updated_after = InstantFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = InstantFilter(field_name="updated_at", lookup_expr="lt")
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="For incremental pulls: complaints changed at or after this instant.",
    )
    q = filters.CharFilter(method="filter_text",
                           help_text="Words in the title or description, or a tracking number.")

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds the form class anew for every filter set, a tenth of a short
        request; its fields are the same every time (each form copies them), so the class
        is built once."""
        cls = type(self)
        if "form_class" not in cls.__dict__:
            cls.form_class = super().get_form_class()
        return cls.form_class

    def filter_agency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        agency = Agency.objects.filter(code=value).first()
        if agency is None:
            return queryset.none()
        return queryset.filter(agency__path__startswith=agency.path)

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        unit = Agency.objects.filter(code=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return queryset.none()
            return queryset.filter(assignee=user)
        return queryset.filter(assignee__username=value)

    def names_an_officer(self) -> bool:
        """Whether the filters, valid, keep one officer's complaints: that officer's index
        then serves a count of them whole, and counting them by the parts of the actor's
        scope (selectors.OrderedKeys.visible_to) only compiles more."""
        return self.is_valid() and self.form.cleaned_data.get("assignee") not in (
            None, "", "none")

    def filter_sla(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        clock = self.form.cleaned_data.get("sla_clock") or None
        return queryset.with_clock(value, self.now, name=clock)

    def filter_noop(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # read by filter_sla

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:200]
        if not value:
            return queryset
        number = normalize_tracking_number(value)
        if number:
            return queryset.filter(tracking_number=number)
        condition = Q()
        for word in value.split()[:8]:
            condition &= Q(title__icontains=word) | Q(description__icontains=word)
        return queryset.filter(condition)


FilterSetT = TypeVar("FilterSetT", bound=ComplaintFilterSet)


class RequestedFilters(ComplaintFilterSet):
    """ComplaintFilterSet with only the filters a request names, for the API and the exports:
    the others would filter nothing, and copying, validating and applying all of them was a
    sixth of a short list request."""

    def __new__(cls, data: Any = None, *args: Any, **kwargs: Any) -> RequestedFilters:
        names = frozenset(name for name in cls.base_filters if data and name in data)
        return super().__new__(_with_filters(cls, names))


def filters_named(names: Iterable[str]) -> type[ComplaintFilterSet]:
    """ComplaintFilterSet with only the filters `names`, for the staff queue: the six of its
    form and those its tabs preset, where the API's seventeen were each copied, with their
    form fields, on every page."""
    return _with_filters(ComplaintFilterSet, frozenset(names))


@functools.cache
def _with_filters(cls: type[FilterSetT], names: frozenset[str]) -> type[FilterSetT]:
    narrowed = type(cls.__name__, (cls,), {"__module__": cls.__module__})
    narrowed.base_filters = {n: f for n, f in cls.base_filters.items() if n in names}
    return narrowed
