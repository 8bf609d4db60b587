"""EXPLAIN (ANALYZE, BUFFERS) of the statements the benchmarks lean on, for
docs/performance.md: the queues' main SELECT (as captured from the real requests), the
export (all of it, and a day of changes), a page of the change feed and the sweeper's
search for due work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


TIMEOUT = "60s"  # a statement that needs longer is reported as such, with its plan


def plan(sql: str, analyze: bool = True) -> str:
    from django.db import connection, transaction
    from django.db.utils import OperationalError

    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = '{TIMEOUT}'")
            cursor.execute(f"EXPLAIN ({options}) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
    except OperationalError as error:  # the statement timeout
        if not analyze:
            raise
        return (f"-- not finished within {TIMEOUT} ({str(error).strip()}); the plan:\n"
                + plan(sql, analyze=False))


def bound(queryset: Any) -> str:
    """The SQL of a queryset with its parameters written in as psycopg quotes them (the
    connection binds them on the server, so its own cursors cannot)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)


def main_select(captured: list[str]) -> str | None:
    """The queue's page of complaints among a request's captured statements."""
    return next((q for q in captured if q.startswith(("SELECT DISTINCT", "SELECT "))
                 and 'FROM "complaints_complaint"' in q and "LIMIT" in q
                 and "COUNT(" not in q), None)


def plans(captured: dict[str, list[str]], anchor: dt.datetime) -> dict[str, str]:
    from django.db.models.expressions import RawSQL

    from api.exports import feed, postgres
    from complaints.models import Complaint
    from workflow.models import SWEEP_DUE, SWEEP_WARN, Clock, Event

    found: dict[str, str] = {}
    for name, queries in captured.items():
        select = main_select(queries)
        if select:
            found[f"{name}: page of complaints"] = plan(select)
        count = next((q for q in queries if q.startswith("SELECT COUNT(")), None)
        if count:
            found[f"{name}: count"] = plan(count)
    # The statement the CSV export copies out (api.exports.postgres.select): only planned
    # for the whole table (run at a million rows, it would outlast the statement timeout;
    # the exports group times it), and run for the ombudsman's daily pull, a day of changes.
    complaints = Complaint.objects.all()
    found["export: every complaint (planned)"] = plan(
        postgres.select(complaints, anchor, "csv"), analyze=False)
    found["export: a day's changes"] = plan(postgres.select(
        complaints.filter(updated_at__gte=anchor - dt.timedelta(days=1)), anchor, "csv"))
    events = Event.objects.all()
    # The feed's first page (api.exports.feed.read_page), and a page from the middle of the
    # table.
    def feed_page(after: feed.Cursor) -> str:
        return plan(bound(feed._after(events, after)
                          .filter(txid__lt=RawSQL(feed._FINISHED, []))
                          .order_by("txid", "id")[:10_000]
                          .values_list(feed._line_sql(), flat=True)))

    found["feed: the first page of 10,000 events"] = feed_page(feed.START)
    count = events.count()
    if count > 20_000:
        middle = events.order_by("txid", "id").values_list("txid", "id")
        found["feed: a page of 10,000 events"] = feed_page(
            feed.Cursor(*middle[count // 2: count // 2 + 1][0]))
    due = Clock.objects.filter(SWEEP_DUE, due_at__lt=anchor).order_by("due_at")
    warn = Clock.objects.filter(SWEEP_WARN, warn_at__lte=anchor).order_by("warn_at")
    found["sweeper: due clocks"] = plan(bound(due.values_list("complaint_id", flat=True)[:200]))
    found["sweeper: clocks to warn"] = plan(
        bound(warn.values_list("complaint_id", flat=True)[:200]))
    return found
