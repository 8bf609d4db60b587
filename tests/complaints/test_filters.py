"""The complaint filters: the API's RequestedFilters builds only the filters a request
names, and filters exactly as the whole ComplaintFilterSet does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.query import QuerySet
from django.http import QueryDict

from complaints.filters import ComplaintFilterSet, RequestedFilters, filters_named
from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB
from workflow.states import State

QUERIES = [
    "", "state=received", "state=assigned&state=responded&state=assigned", "state=closed",
    "agency=disdukcapil", "agency=nope", "service=ktp-el&visibility=public",
    "assignee=none&state=received", "sla_status=running&sla_clock=verify",
    "sla_status=breached", "received_after=2026-02-02T09:30:00%2B07:00",
    "q=KTP&closure_reason=resolved", "page_size=5&cursor=abc&ordering=-id",
]


def narrowed(query: str, now: dt.datetime) -> RequestedFilters:
    return RequestedFilters(QueryDict(query), queryset=Complaint.objects.all(), now=now)


@pytest.mark.parametrize("query", QUERIES)
def test_the_named_filters_filter_as_all_of_them(world, complaint_in, query):
    for state in State:
        complaint_in(state)
    now = MONDAY_9_WIB + dt.timedelta(days=5)
    whole = ComplaintFilterSet(QueryDict(query), queryset=Complaint.objects.all(), now=now)
    named = narrowed(query, now)
    assert whole.is_valid() and named.is_valid()
    assert sorted(named.qs.values_list("pk", flat=True)) == \
        sorted(whole.qs.values_list("pk", flat=True))
    assert set(named.form.fields) == {name for name in ComplaintFilterSet.base_filters
                                      if name in QueryDict(query)}


@pytest.mark.parametrize("query", ["state=lost", "service=nope", "received_after=yesterday",
                                   "sla_status=late&state=received"])
def test_a_bad_named_value_is_refused_as_by_all_of_them(world, query):
    whole = ComplaintFilterSet(QueryDict(query), queryset=Complaint.objects.all())
    named = narrowed(query, MONDAY_9_WIB)
    assert not whole.is_valid() and not named.is_valid()
    assert named.errors == whole.errors


def test_each_set_of_names_is_one_class(world):
    first = narrowed("state=received", MONDAY_9_WIB)
    second = narrowed("state=closed", MONDAY_9_WIB)
    assert type(first) is type(second) and isinstance(first, RequestedFilters)
    assert type(narrowed("q=x", MONDAY_9_WIB)) is not type(first)


@pytest.mark.parametrize("query", ["", "service=ktp-el", "service=parkir"])
def test_the_service_filter_reads_services_only_when_codes_are_given(world, submit, query,
                                                                      monkeypatch):
    """As the staff queue has it: the filter is there whether or not a code is chosen."""
    submit()
    evaluated = []
    fetch = QuerySet._fetch_all

    def counted(self):
        evaluated.append(self.model.__name__)
        return fetch(self)

    monkeypatch.setattr(QuerySet, "_fetch_all", counted)
    filters = filters_named(["service"])(QueryDict(query), queryset=Complaint.objects.all(),
                                         now=MONDAY_9_WIB)
    assert filters.is_valid()
    assert filters.qs.count() == (0 if "parkir" in query else 1)
    assert ("Service" in evaluated) == bool(query)


@pytest.mark.parametrize(("query", "named"), [
    ("", False), ("assignee=none", False), ("assignee=", False), ("state=nope", False),
    ("assignee=me", True), ("assignee=officer&state=assigned", True),
    ("assignee=officer&state=nope", False),
])
def test_filters_name_an_officer_only_when_valid_and_keeping_one(world, rf, query, named):
    """The staff queue counts one officer's complaints whole, from that officer's index,
    and everything else by the parts of the actor's scope (selectors.OrderedKeys)."""
    request = rf.get("/")
    request.user = world.officer
    filterset = ComplaintFilterSet(QueryDict(query), queryset=Complaint.objects.all(),
                                   request=request)
    assert filterset.names_an_officer() is named
