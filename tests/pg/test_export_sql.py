"""On PostgreSQL the complaint export is written by the database (api.exports.postgres); it
must be the export api.exports.complaints writes in Python, on data that exercises every
rule of the format: quoting, formulas, offsets east and west of UTC, microseconds,
decimals, paused, extended, breached and never-started clocks, links and feedback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from api.exports import complaints as export
from api.exports import postgres
from complaints.models import Complaint
from complaints.selectors import complaints_visible_to
from tests.conftest import MONDAY_9_WIB
from workflow.states import Role

pytestmark = pytest.mark.postgres


def both(complaints, now, kind):
    python = "".join((export.csv_lines if kind == "csv" else export.jsonl_lines)(
        export.complaint_records(complaints, now)))
    sql = "".join(postgres.lines(complaints, now, kind))
    return python, sql


@pytest.mark.parametrize("days", [0, 3, 30])  # running, at risk or breached, all breached
def test_csv_is_the_same_bytes(world, variety, days):
    now = MONDAY_9_WIB + dt.timedelta(days=days, hours=2)
    python, sql = both(Complaint.objects.all(), now, "csv")
    assert python.count("\r\n") >= len(variety) + 1
    assert ",'+62officer," in python and ",'-ktp," in python
    assert sql == python


@pytest.mark.parametrize("days", [0, 30])
def test_json_lines_are_the_same_bytes(world, variety, days):
    now = MONDAY_9_WIB + dt.timedelta(days=days, hours=2)
    python, sql = both(Complaint.objects.all(), now, "jsonl")
    assert sql == python
    parsed = [json.loads(line) for line in sql.splitlines()]
    clocks = [clock for r in parsed for clock in r["sla"].values()]
    assert any(clock["status"] == "paused" for clock in clocks)
    assert any(clock["cycles"] > 1 for clock in clocks)  # only the latest cycle is written
    assert any(r["referred_to"] for r in parsed) and any(r["duplicate_of"] for r in parsed)
    assert any(r["received_at"].endswith("-03:00") for r in parsed)


def test_a_scoped_and_filtered_export_is_the_same(world, variety):
    now = MONDAY_9_WIB + dt.timedelta(days=3)
    officer = complaints_visible_to(world.actor(Role.OFFICER))
    mine = officer.filter(state__in=["assigned", "responded"], title__icontains="%")
    for complaints in (officer, mine, Complaint.objects.filter(title__icontains="hari")):
        python, sql = both(complaints, now, "csv")
        assert sql == python
    assert len(both(officer, now, "csv")[1].splitlines()) > 1


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_filter_that_selects_nothing_gives_an_empty_export(world, variety, kind):
    nothing = Complaint.objects.none()
    python, sql = both(nothing, MONDAY_9_WIB, kind)
    assert sql == python == ("\ufeff" + ",".join(export.CSV_HEADER) + "\r\n" if kind == "csv"
                             else "")


def test_an_export_left_unread_is_cancelled_and_the_connection_stays_usable(world, variety,
                                                                          settings):
    from django.db import connection

    settings.EXPORT_CHUNK_SIZE = 2
    stream = postgres.lines(Complaint.objects.all(), MONDAY_9_WIB, "jsonl")
    first = next(stream)
    assert first.count("\n") == 2
    stream.close()  # what the server does when the client goes away
    assert Complaint.objects.count() > 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def _nodes(node):
    """Every node of a JSON plan, from `node` down."""
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def test_a_filtered_export_looks_up_the_clocks_and_events_of_its_complaints_only(
        world, variety):
    """The filter applies before the lookups: an ombudsman's daily pull reads a day's
    complaints, not the whole table (docs/performance.md, finding 32)."""
    from django.db import connection

    assert Complaint.objects.count() > 3
    chosen = Complaint.objects.filter(pk__in=[c.pk for c in variety[:2]])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) "
                       + postgres.select(chosen, MONDAY_9_WIB, "csv"))
        plan = cursor.fetchone()[0][0]["Plan"]
    for relation in ("workflow_clock", "workflow_event"):
        scans = [node for node in _nodes(plan) if node.get("Relation Name") == relation]
        assert scans and all(s["Actual Loops"] <= 2 for s in scans), relation
    assert plan["Actual Rows"] == 2


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_the_rows_are_sorted_as_values_and_the_lines_written_after(world, variety, kind):
    """Sorting the finished lines sorts two to three times the bytes (finding 33): the sort
    into the export's order outputs the columns, the line is written above it, and the
    rows are sorted once."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) "
                       + postgres.select(Complaint.objects.all(), MONDAY_9_WIB, kind))
        plan = cursor.fetchone()[0][0]["Plan"]
    sorts = [node for node in _nodes(plan) if node["Node Type"] == "Sort"
             and any("updated_at" in key for key in node["Sort Key"])]
    assert len(sorts) == 1
    assert not any("to_char" in column for column in sorts[0]["Output"])
    assert any("to_char" in column for column in plan["Output"])
