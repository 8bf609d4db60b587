"""One timed sweeper pass over a generated world: `python -m bench.sweep --due D` (with
DATABASE_URL and DJANGO_SETTINGS_MODULE=bench.settings) prints a JSON result.

The generated world has nothing due at its anchor (its past has been swept). This makes
exactly D open complaints due at the anchor, each with one thing the sweeper must do, in the
proportions an operator sees: a citizen window that ran out (reply_window → auto_close,
info_wait → withdraw) where the complaint is waiting on the citizen, otherwise an agency
clock that reached its warning point or its deadline (warning, breach escalation). Then it
times `sweep()` and `deliver_pending()` at the anchor — what `manage.py sla_sweep` runs —
checks that nothing is left due, and rolls everything back, so passes can be repeated on the
same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from typing import Any

import django


class Rollback(Exception):
    pass


def make_due(cursor: Any, now: dt.datetime, due: int) -> int:
    """Inside the caller's transaction: D complaints, each with exactly one due clock."""
    cursor.execute("""
        CREATE TEMP TABLE bench_due ON COMMIT DROP AS
        SELECT id, state, pending_info_request <> '' AS waiting
        FROM complaints_complaint WHERE state IN ('received', 'assigned', 'responded')
        ORDER BY (id * 2654435761) %% 4294967291 LIMIT %s""", [due])
    hour = dt.timedelta(hours=1)
    # The citizen's windows: reply_window of responded complaints, info_wait of those
    # waiting for information.
    cursor.execute("""
        UPDATE workflow_clock k SET warn_at = %s, due_at = %s, warned_at = %s
        FROM bench_due d WHERE k.complaint_id = d.id AND k.stopped_at IS NULL
          AND ((d.state = 'responded' AND k.name = 'reply_window')
               OR (d.state = 'assigned' AND d.waiting AND k.name = 'info_wait'))""",
                   [now - 3 * hour, now - hour, now - 2 * hour])
    # Everyone else: one running agency clock not yet breached; half reach their deadline,
    # half their warning point.
    cursor.execute("""
        WITH pick AS (
            SELECT DISTINCT ON (k.complaint_id) k.id, k.complaint_id
            FROM workflow_clock k JOIN bench_due d ON d.id = k.complaint_id
            WHERE NOT (d.state = 'responded' OR (d.state = 'assigned' AND d.waiting))
              AND k.stopped_at IS NULL AND k.paused_at IS NULL AND k.breached_at IS NULL
              AND k.name NOT IN ('info_wait', 'reply_window')
            ORDER BY k.complaint_id, k.due_at)
        UPDATE workflow_clock k SET
            warned_at = NULL,
            warn_at = CASE WHEN pick.complaint_id %% 2 = 0 THEN %s ELSE %s END,
            due_at = CASE WHEN pick.complaint_id %% 2 = 0 THEN %s
                          ELSE greatest(k.due_at, %s) END
        FROM pick WHERE k.id = pick.id""",
                   [now - 2 * hour, now - hour, now - hour, now + dt.timedelta(days=1)])
    from workflow.sweeper import due_complaint_ids

    return len(due_complaint_ids(now, set(), 10 * due + 10))


def one_pass(now: dt.datetime, due: int) -> dict[str, Any]:
    from django.core import mail
    from django.db import connection, transaction

    from workflow.delivery import deliver_pending
    from workflow.sweeper import due_complaint_ids, sweep

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                result["due"] = make_due(cursor, now, due)
            began = time.perf_counter()
            done = sweep(now=now)
            swept = time.perf_counter()
            sent = deliver_pending(now=now)
            ended = time.perf_counter()
            result.update(
                sweep_seconds=swept - began, deliver_seconds=ended - swept,
                seconds=ended - began, done=dict(done), delivered=sent,
                mails=len(getattr(mail, "outbox", [])),
                left=len(due_complaint_ids(now, set(), 10 * due + 10)))
            raise Rollback
    except Rollback:
        pass
    handled = sum(v for k, v in result["done"].items() if k != "failed")
    result["handled"] = handled
    result["ok"] = result["left"] == 0 and handled == result["due"] and not result["done"].get(
        "failed")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep")
    parser.add_argument("--due", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core import mail
    from django.db import connection

    mail.outbox = []  # locmem backend (bench.settings) appends here
    with connection.cursor() as cursor:
        cursor.execute("SELECT value::text FROM bench_meta WHERE key = 'generate'")
        meta = json.loads(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM complaints_complaint "
                       "WHERE state IN ('received', 'assigned', 'responded')")
        open_ = cursor.fetchone()[0]
    result = one_pass(dt.datetime.fromisoformat(meta["anchor"]), args.due)
    result.update(complaints=total, open=open_)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
