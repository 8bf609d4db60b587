"""The coordinator's queue is read from complaint_agency_queue alone (an index-only scan):
the index covers every column choosing a page and counting it reads. docs/performance.md
shows the plan at 1M complaints."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.http import QueryDict

from complaints.filters import ComplaintFilterSet
from complaints.selectors import complaints_visible_to, narrow
from workflow.states import Role

pytestmark = pytest.mark.postgres


def plan(sql):
    with connection.cursor() as cursor:
        # Out of the way: on a test's handful of rows a table scan is cheapest.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def statement(run):
    with CaptureQueriesContext(connection) as queries:
        run()
    (query,) = queries.captured_queries
    return query["sql"]


@pytest.mark.parametrize("query", ["state=received", "agency=disdukcapil&state=received"])
def test_the_coordinators_page_and_count_read_the_index_alone(world, submit, query):
    for _ in range(3):
        submit()
    scope = complaints_visible_to(world.actor(Role.COORDINATOR))
    filtered = ComplaintFilterSet(QueryDict(query), queryset=scope).qs
    page = narrow(filtered).order_by("next_due", "id")[:51]
    for sql in (statement(lambda: list(page)), statement(filtered.count)):
        text = plan(sql)
        assert "Index Only Scan using complaint_agency_queue" in text, text
