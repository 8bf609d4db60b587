"""On PostgreSQL the staff list's page is written by the database (api.listing); it must be
what ComplaintSerializer writes from model instances, key for key and value for value."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from api.listing import PYTHON_SPACE, page_json
from api.serializers import ComplaintSerializer
from complaints.models import Agency, Complaint
from complaints.selectors import page_with_relations
from tests.conftest import MONDAY_9_WIB

pytestmark = pytest.mark.postgres


def page_data(page, context):
    return [json.loads(text) for text in page_json([c.pk for c in page], context)]


def serializer_page(page, context):
    return ComplaintSerializer(page_with_relations([c.pk for c in page]), many=True,
                               context=context).data


@pytest.mark.parametrize("zone, offset", [("America/Sao_Paulo", "-03:00"), ("UTC", "Z")])
@pytest.mark.parametrize("days", [0, 3, 30])  # running, at risk or breached, all breached
def test_the_page_is_the_serializers(world, variety, days, zone, offset):
    Agency.objects.filter(pk=world.other_agency.pk).update(time_zone=zone)
    now = MONDAY_9_WIB + dt.timedelta(days=days, hours=2)
    page = list(Complaint.objects.order_by("-id"))
    written = page_data(page, {"now": now})
    expected = serializer_page(page, {"now": now})
    assert [d["tracking_number"] for d in written] == [c.tracking_number for c in page]
    for sql, python in zip(written, expected, strict=True):
        assert list(sql) == list(python)
        assert sql == python
    # A page of one (the detail) has its own statement.
    assert [page_data([c], {"now": now})[0] for c in page] == expected
    # The data exercised what it is meant to.
    clocks = [clock for d in written for clock in d["sla"]]
    moment = {0: "running", 3: "at_risk", 30: "breached"}[days]
    assert {"paused", "met", moment} <= {clock["status"] for clock in clocks}
    assert any(clock["extended_by"] for clock in clocks)
    assert any(d["feedback"] for d in written) and any(d["duplicate_of"] for d in written)
    assert any(d["referred_to"] for d in written) and any(d["unit"] is None for d in written)
    assert any(d["location"]["latitude"] == "-6.175392" for d in written)
    assert {"Budi"} == {d["assigned_to"]["name"] for d in written if d["assigned_to"]}
    assert any(d["received_at"].endswith(offset) for d in written)
    assert any("." in d["received_at"] for d in written)  # microseconds


def test_citizens_are_not_told_the_officer(world, variety):
    page = list(Complaint.objects.order_by("id"))
    context = {"now": MONDAY_9_WIB, "citizen": True}
    written = page_data(page, context)
    assert written == serializer_page(page, context)
    assert not any("assigned_to" in d for d in written)
    assert [page_data([c], context)[0] for c in page] == written


def test_an_empty_page_needs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert page_json([], {"now": MONDAY_9_WIB}) == []


def test_names_are_stripped_of_what_python_strips():
    assert sorted(PYTHON_SPACE) == [c for c in map(chr, range(sys.maxunicode + 1))
                                    if c.isspace()]
