"""The coordinator's queue can be read from complaint_agency_queue alone, and the officer's
from complaint_assignee_queue (index-only scans, docs/performance.md shows the plans at 1M
complaints): each index holds every column of the complaint table that choosing a page,
and counting it, read. Checked on the SQL itself,
so a column the queries start reading fails here rather than silently sending PostgreSQL
back to the table for each of thousands of rows. The statistics' first responses are read
from event_first_respond alone, checked on the plan."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.open311 import params as open311_params
from api.open311 import selectors as open311
from complaints.filters import ComplaintFilterSet
from complaints.models import NO_DEADLINE, Complaint
from complaints.selectors import (
    URGENCY,
    OrderedKeys,
    complaints_visible_to,
    narrow,
    numbered_complaint,
)
from complaints.views.staff import QUEUE_LIMIT
from tests.conftest import MONDAY_9_WIB
from config.autovacuum import vacuum_after_new_rows
from workflow.states import Role, State
from workflow.stats import complaint_statistics

pytestmark = pytest.mark.postgres


def index_columns(name: str) -> set[str]:
    """Every column `name` holds, its keys and its INCLUDE columns."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.attname FROM pg_index i
            JOIN pg_class x ON x.oid = i.indexrelid
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE x.relname = %s""", [name])
        return {row[0] for row in cursor.fetchall()}


def copied_complaints(columns: dict[str, str], params: list[Any] | None = None) -> None:
    """The test's complaint copied 20,000 times over (g = 1 … 20,000), each copy with a
    tracking number of its own and no referral, each column as it is or as `columns` writes
    it from g; then the table analysed."""
    names = [f.column for f in Complaint._meta.concrete_fields if f.column != "id"]
    written = {"tracking_number": "'C' || g", "referred_to_id": "NULL", **columns}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO complaints_complaint ({', '.join(names)}) "
            f"SELECT {', '.join(written.get(c, c) for c in names)} "
            f"FROM complaints_complaint, generate_series(1, 20000) g", params)
        cursor.execute("ANALYZE complaints_complaint")


@contextmanager
def kept_statements() -> Iterator[list[tuple[str, Sequence[Any]]]]:
    """The statements run inside the block, each with its parameters as sent (where
    CaptureQueriesContext keeps them written into the SQL)."""
    statements: list[tuple[str, Sequence[Any]]] = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        yield statements


def complaint_columns(run) -> set[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    (query,) = queries.captured_queries
    return set(re.findall(r'"complaints_complaint"\."(\w+)"', query["sql"]))


@pytest.mark.parametrize("query", ["state=received", "agency=disdukcapil&state=received"])
def test_the_agency_queue_index_covers_the_coordinators_page_and_count(world, submit, query):
    submit()
    scope = complaints_visible_to(world.actor(Role.COORDINATOR))
    filtered = ComplaintFilterSet(QueryDict(query), queryset=scope).qs
    keys = OrderedKeys(filtered, ("next_due", "id"), QUEUE_LIMIT)  # as the staff queue
    covered = index_columns("complaint_agency_queue")
    assert {"agency_id", "state", "next_due"} <= covered
    api_page = partial(keys.after, (timezone.now(), 0), 51)  # as the API's cursor reads
    for read in (complaint_columns(lambda: keys[0:51]), complaint_columns(keys.count),
                 complaint_columns(api_page), complaint_columns(filtered.count)):
        assert "agency_id" in read and read <= covered, read - covered


@pytest.mark.parametrize("query", ["assignee=me&state=assigned&state=responded",
                                   "assignee=me&state=assigned&state=received&state=responded"])
def test_the_assignee_queue_index_covers_the_officers_page_and_count(world, complaint_in,
                                                                    rf, query):
    complaint_in(State.ASSIGNED)
    request = rf.get("/")
    request.user = world.officer
    scope = complaints_visible_to(world.actor(Role.OFFICER))
    filtered = ComplaintFilterSet(QueryDict(query), queryset=scope, request=request).qs
    keys = OrderedKeys(filtered, ("next_due", "id"), QUEUE_LIMIT)
    covered = index_columns("complaint_assignee_queue")
    assert {"assignee_id", "state", "next_due"} <= covered
    api_page = partial(keys.after, (timezone.now(), 0), 51)  # as the API's cursor reads
    for read in (complaint_columns(lambda: keys[0:51]), complaint_columns(keys.count),
                 complaint_columns(api_page), complaint_columns(filtered.count)):
        assert "assignee_id" in read and read <= covered, read - covered


def table_options(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    return set(options or [])


TABLES = [("complaints_complaint", "complaints", "Complaint"),
          ("workflow_clock", "workflow", "Clock")]


@pytest.mark.parametrize(("table", "app_label", "model_name"), TABLES)
def test_autovacuum_keeps_the_covering_indexes_index_only(db, table, app_label, model_name):
    """The complaint and clock tables are vacuumed after 2 % of them changed (complaints
    0005, workflow 0003) and after every 1,000 new rows (complaints 0007, workflow 0004),
    so the pages the covering indexes point to stay marked all-visible, the newest ones
    too (docs/performance.md, finding 20). Reversed, the new rows wait for 2 % again."""
    assert table_options(table) == {"autovacuum_vacuum_scale_factor=0.02",
                                    "autovacuum_vacuum_insert_scale_factor=0",
                                    "autovacuum_vacuum_insert_threshold=1000"}
    with transaction.atomic():
        with connection.schema_editor() as editor:
            vacuum_after_new_rows(app_label, model_name).reverse_code(apps, editor)
        assert table_options(table) == {"autovacuum_vacuum_scale_factor=0.02",
                                        "autovacuum_vacuum_insert_scale_factor=0.02"}
        transaction.set_rollback(True)


def index_only_plan(sql: str, params: Any) -> str:
    """The plan with sequential, bitmap and index scans all penalized (PostgreSQL counts an
    index-only scan as an index scan here): a test's few rows are read as fast by any path,
    so without the penalty the planner's choice among them is a coin toss. With it, each
    path to a table costs the same penalty and the rest decides: an index that holds what
    the statement reads is chosen, and shown as an index-only scan."""
    with transaction.atomic(), connection.cursor() as cursor:
        for path in ("seqscan", "indexscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{path} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", ["sla_status=breached", "sla_status=at_risk",
                                   "sla_status=at_risk&sla_status=breached",
                                   "sla_status=breached&sla_clock=first_response"])
def test_the_deadline_filter_reads_clocks_from_their_index(world, complaint_in, query):
    """A coordinator's open complaints with a breached or at-risk clock: each complaint of
    the scope is looked up among the clocks, 18,000 lookups at a million complaints.
    clock_late_or_running holds the clocks that can be breached, at risk or running, and
    every column the lookup reads (workflow 0003, finding 16)."""
    complaint_in(State.ASSIGNED)
    scope = complaints_visible_to(world.actor(Role.COORDINATOR))
    filtered = ComplaintFilterSet(QueryDict(f"state=assigned&{query}"), queryset=scope).qs
    sql, params = filtered.order_by().values("pk").query.sql_with_params()
    read = set(re.findall(r'U0\."(\w+)"', sql))
    covered = index_columns("clock_late_or_running")
    assert {"complaint_id", "due_at"} <= read <= covered, read - covered
    if "sla_clock" not in query:
        # With a clock's name, the unique index on (complaint, name, cycle) is as good a
        # path among a test's few rows; at a million the planner weighs them on real sizes.
        plan = index_only_plan(sql, params)
        assert "Index Only Scan using clock_late_or_running on workflow_clock" in plan, plan


def test_the_statistics_read_each_first_response_from_its_index(world, complaint_in):
    """Time to first response is each complaint's first `respond` event: at a million
    complaints, looking it up among all their events was half of the statistics' time.
    The partial index event_first_respond holds what the lookup reads (finding 12)."""
    complaint_in(State.RESPONDED)
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        complaint_statistics(now=timezone.now())
    (sql, params), = [(s, p) for s, p in statements if "array_agg" in s]
    plan = index_only_plan(sql, params)
    assert "Index Only Scan using event_first_respond on workflow_event" in plan, plan


@pytest.mark.parametrize("words", ["merdeka", "jalan merdeka"])
def test_the_text_search_can_be_served_by_the_trigram_indexes(world, submit, words):
    """`q` keeps complaints whose title or description contains each word; at a million
    complaints scanning for that took 2 s whatever the word. complaint_title_trgm and
    complaint_description_trgm (migration complaints.0006) serve the same expressions
    (finding 15)."""
    submit(title="Jalan rusak", description="Di Jl. Merdeka.")
    query = ComplaintFilterSet(QueryDict(urlencode({"q": words})),
                               queryset=Complaint.objects.all()).qs
    assert {c.title for c in query} == {"Jalan rusak"}
    sql, params = query.order_by().values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A few rows are read as fast by a scan of the table or of another index: forbid
        # both, so the plan shows whether the trigram indexes can answer the conditions.
        for path in ("seqscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{path} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("complaint_title_trgm", "complaint_description_trgm"):
        assert f"Bitmap Index Scan on {index}" in plan, plan


def test_open311s_service_filter_reads_one_services_window_from_its_index(world, submit):
    """`requests.json?service_code=…` returns a service's newest 1,000 public requests of
    the window. complaint_service_received (complaints 0008) holds a service's complaints
    in order of receipt, so both conditions bound one range of it. With the index on
    service alone, PostgreSQL read the service's and the window's indexes in full and
    intersected them (finding 42); the index on receipt alone, newest first, reads every
    service's complaints to find this one's. Here 20,000 complaints are spread over 139
    days and one in 200 is the service's, as among 300 services; the table's scan is out of
    the way, as it is at a million, and the planner, knowing the rest, takes the range."""
    submit()
    copied_complaints({"service_id": f"CASE WHEN g % 200 = 0 THEN service_id ELSE "
                                     f"{world.other_service.pk} END",
                       "received_at": "received_at - g * interval '10 minutes'"})
    span = open311_params.window({}, MONDAY_9_WIB)
    requests = open311.filter_requests(
        open311.public_requests(), service_codes=[world.service.code], statuses=set(),
        received_from=span.start, received_to=span.end)[: open311_params.MAX_RESULTS]
    sql, params = requests.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    found = re.search(r"Index Scan Backward using complaint_service_received\b.*\n"
                      r"\s+Index Cond: \(\(service_id = .*\) AND \(received_at >= .*\) "
                      r"AND \(received_at <= .*\)\)", plan)
    assert found, plan
    found = [(c.service_id, c.received_at) for c in requests]
    assert len(found) > 50 and {service for service, _ in found} == {world.service.pk}
    assert found == sorted(found, reverse=True)
    assert span.start <= found[-1][1] and found[0][1] <= span.end


def test_a_whole_scope_is_paged_from_the_deadline_index(world, complaint_in):
    """The ombudsman's everything in the urgency order, at 20,000 complaints of which one
    in ten has a deadline. Read as one order, PostgreSQL sorted every complaint to choose
    50: 80–100 ms at a million, five times that at five. Now the complaints with a deadline
    are read in order from complaint_deadline_order, and those without one in order of
    their keys, each up to the end of the page: only what the page needs is sorted
    (complaints 0009, finding 49)."""
    complaint_in(State.ASSIGNED)
    with_deadline = "g %% 10 = 0"
    copied_complaints({
        "state": f"CASE WHEN {with_deadline} THEN state ELSE 'closed' END",
        "next_due": f"CASE WHEN {with_deadline} THEN next_due + g * interval '1 minute' "
                    f"ELSE %s END"}, [NO_DEADLINE])
    everything = complaints_visible_to(world.actor(Role.OMBUDSMAN))
    keys = OrderedKeys(everything, URGENCY, QUEUE_LIMIT)
    expected = list(narrow(everything).order_by(*URGENCY).values_list("id", flat=True))
    dated = everything.filter(next_due__lt=NO_DEADLINE).count()
    assert 1_000 < dated < 5_000
    middle = everything.get(pk=expected[dated // 2])
    with kept_statements() as statements:
        assert keys[0:50] == expected[:50]  # the first page: with a deadline only
        assert keys[dated - 10:dated + 40] == expected[dated - 10:dated + 40]  # both
        assert keys[dated + 50:dated + 100] == expected[dated + 50:dated + 100]
        # The API's cursor, from a complaint with a deadline.
        after = [key for key, _ in keys.after((middle.next_due, middle.pk), 50)]
        assert after == expected[dated // 2 + 1:dated // 2 + 51]
    assert len(statements) == 4  # one a page
    # The first page's plan. (Further on, each part reads thousands of this table's 20,000
    # rows, which a scan of the table gives as cheaply; at a million it does not.)
    sql, params = statements[0]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using complaint_deadline_order on complaints_complaint" in plan, plan
    assert "using complaints_complaint_pkey on complaints_complaint" in plan, plan
    # The one sort: the page's, of what the two parts gave.
    assert plan.count("Sort Key") == 1, plan
    assert re.search(r"->  Sort .*\n\s+Sort Key: .*\n\s+->  Append", plan), plan
    # The first page is all complaints with a deadline: those without one are not read.
    # The page that crosses into them reads both.
    for (sql, params), read in ((statements[0], False), (statements[1], True)):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            ran = "\n".join(row[0] for row in cursor.fetchall())
        scan = re.search(r"Scan using complaints_complaint_pkey .*", ran)
        assert scan and ("never executed" not in scan[0]) == read, ran
    # The cursor's: the part with a deadline from its position on, by the index.
    sql, params = statements[3]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"Index Only Scan using complaint_deadline_order on complaints_complaint"
                     r".*\n\s+Index Cond: \(+ROW\(", plan), plan
    assert plan.count("Sort Key") == 1, plan


@pytest.mark.parametrize(("ordering", "index"), [
    (("-updated_at", "-id"), "Index Scan Backward using complaints_complaint_updated_at_"),
    (("received_at", "id"), "Index Scan using complaints_complaint_received_at_"),
])
def test_the_cursor_in_another_order_starts_from_its_fields_index(world, complaint_in,
                                                                 ordering, index):
    """The API's cursor ordered by a time, at 20,000 complaints, from one in the middle:
    the condition on the row of the value and the key bounds the range of the field's
    index, and only the complaints that share a value are sorted by key (an ombudsman's
    pull of what changed, finding 52)."""
    complaint_in(State.CLOSED)
    copied_complaints({"received_at": "received_at + g / 3 * interval '1 second'",
                       "updated_at": "updated_at + g / 3 * interval '1 second'"})
    everything = complaints_visible_to(world.actor(Role.OMBUDSMAN))
    first = ordering[0].lstrip("-")
    expected = list(narrow(everything).order_by(*ordering).values_list("id", first))
    key, value = expected[10_000]
    keys = OrderedKeys(everything, ordering)
    with CaptureQueriesContext(connection) as queries:
        assert keys.after((value, key), 50) == expected[10_001:10_051]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {queries[0]['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The row's first column bounds the index's range; the row itself passes the ties.
    bound = "<=" if ordering[0].startswith("-") else ">="
    assert index in plan and f"Index Cond: ({first} {bound} " in plan, plan
    assert "Filter: (ROW(" in plan, plan
    assert "Incremental Sort" in plan and f"Presorted Key: complaints_complaint.{first}" \
        in plan, plan


def test_a_scope_is_counted_by_the_indexes_of_its_parts(world, complaint_in):
    """The officer's *all* tab counts the unit's complaints and the officer's own elsewhere,
    at 20,000 complaints of which one in fifty is the unit's. Counted by the scope's one
    condition, the unit's path ORed with the officer, PostgreSQL read every complaint, from
    the table or from an index of them all (50–75 ms at a million); counted by the scope's
    parts, each is read from the index of its column (finding 50)."""
    complaint_in(State.ASSIGNED)
    elsewhere = "g %% 50 <> 0"
    copied_complaints({
        "agency_id": f"CASE WHEN {elsewhere} THEN %s ELSE agency_id END",
        "unit_id": f"CASE WHEN {elsewhere} THEN NULL ELSE unit_id END",
        "assignee_id": f"CASE WHEN {elsewhere} THEN NULL ELSE assignee_id END",
    }, [world.other_agency.pk])
    officer = world.actor(Role.OFFICER)
    keys = OrderedKeys.visible_to(officer, Complaint.objects.all(), URGENCY, QUEUE_LIMIT)
    with CaptureQueriesContext(connection) as queries:
        found = keys.count()
    assert found == complaints_visible_to(officer).count() == 401
    (count,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {count['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on complaints_complaint" not in plan, plan
    assert re.search(r"Index Cond: \(+unit_id = ", plan), plan
    assert re.search(r"Index Cond: \(+assignee_id = ", plan), plan


def generic_plan(sql: str, params: Sequence[Any]) -> str:
    """EXPLAIN ANALYZE of `sql` planned as PostgreSQL plans a statement prepared and run
    again and again (as psycopg prepares it after five runs): once, for any parameters."""
    numbered = iter(range(1, len(params) + 1))
    statement = re.sub(r"%[s%]", lambda m: f"${next(numbered)}" if m[0] == "%s" else "%",
                       sql)
    literals = psycopg.ClientCursor(connection.connection).mogrify(
        ", ".join(["%s"] * len(params)), params)
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE generic AS {statement}")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE generic({literals})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE generic")
            cursor.execute("RESET plan_cache_mode")


@pytest.mark.django_db(transaction=True)  # for VACUUM
def test_an_officers_open_complaints_are_counted_from_the_index_by_any_plan(
        world, complaint_in, rf):
    """The officer's *mine* tab counts their open complaint among 20,000 closed ones, one in
    fifty of them the officer's, the rest other officers'. Its count is read
    from complaint_assignee_queue with the states in the range, also in the plan PostgreSQL
    keeps for the statement run again and again: without a range on next_due that plan
    tested the state of every complaint the officer ever had (finding 58)."""
    complaint_in(State.ASSIGNED)
    others = User.objects.bulk_create(User(username=f"officer{n}") for n in range(50))
    copied_complaints({"state": "'closed'", "assignee_id": (
        "CASE WHEN g %% 50 = 0 THEN assignee_id ELSE (%s::integer[])[1 + g %% 50] END")},
        [[user.pk for user in others]])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM complaints_complaint")  # as autovacuum keeps it
    request = rf.get("/")
    request.user = world.officer
    scope = complaints_visible_to(world.actor(Role.OFFICER))
    filtered = ComplaintFilterSet(
        QueryDict("assignee=me&state=assigned&state=received&state=responded"),
        queryset=scope, request=request).qs
    keys = OrderedKeys(filtered, URGENCY, QUEUE_LIMIT)
    with kept_statements() as statements:
        assert keys.count() == 1
    ((sql, params),) = statements
    plan = generic_plan(sql, params)
    assert re.search(r"Index Only Scan using complaint_assignee_queue", plan), plan
    assert re.search(r"Index Cond: \(.*state", plan), plan
    assert "Rows Removed by Filter" not in plan, plan


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OFFICER])
def test_one_complaint_is_found_by_its_number_then_its_scope_checked_by_any_plan(
        world, complaint_in, role):
    """A complaint's page and the API's read it by its number among 20,000 others of the
    actor's scope, the scope then checked for that complaint alone by its key, in the plan
    PostgreSQL keeps for the statement too: never by reading the scope (finding 60)."""
    complaint = complaint_in(State.ASSIGNED)
    copied_complaints({})
    actor = world.actor(role)
    with kept_statements() as statements:
        read = numbered_complaint(complaint.tracking_number, actor)
    assert read.pk == complaint.pk
    ((sql, params),) = statements
    plan = generic_plan(sql, params)
    assert re.search(r"Index Scan using \S*tracking_number\S* on complaints_complaint c\b",
                     plan), plan
    assert re.search(r"Index Cond: \(id = c\.id\)", plan), plan
    assert "Seq Scan on complaints_complaint" not in plan, plan
