"""Migrating a live installation: the migrations since the queue's order column
(complaints 0003 onwards) change the indexes of the complaint, event and clock tables
without stopping the writes to them (config.online_indexes; docs/deploy.md).

A copy of the test database is taken back to complaints 0002 and migrated forward again by
`manage.py migrate` while writers keep writing to each of the three tables, as submissions
and transitions do. Two of them hold each write open for a second, one after the other,
so that a write is in flight at every moment: a plain CREATE INDEX or DROP INDEX waits for
it, and every write that comes after waits behind the index change. The third writes
briefly and gives up after half a second of waiting: it must never have to. A new migration
that changes those tables under a lock that stops writes (Django's own AddIndex, for one)
fails here.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from bench.migrations import WRITES  # to one complaint, its clocks and its events
from tests.reliability.processes import MANAGE, connect, libpq_env, run, scratch_database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HELD = 1.0  # seconds each long write stays open
PATIENCE = "500ms"  # the short writer's lock_timeout


class Writer(threading.Thread):
    """Writes to one complaint, its clocks and its events, again and again, each time in a
    transaction held open for `hold` seconds, until stopped."""

    def __init__(self, database: str, complaint: int, hold: float, start_after: float = 0,
                 lock_timeout: str | None = None) -> None:
        super().__init__(daemon=True)
        self.database, self.complaint, self.hold = database, complaint, hold
        self.start_after, self.lock_timeout = start_after, lock_timeout
        self.stopping = threading.Event()
        self.done = 0
        self.failures: list[str] = []

    def run(self) -> None:
        time.sleep(self.start_after)
        with connect(self.database, autocommit=False, prepare_threshold=None) as conn:
            if self.lock_timeout:
                conn.execute(f"SET lock_timeout = '{self.lock_timeout}'")
                conn.commit()
            while not self.stopping.is_set():
                try:
                    for write in WRITES:
                        conn.execute(write, {"complaint": self.complaint})
                    time.sleep(self.hold)
                    conn.commit()
                    self.done += 1
                except psycopg.errors.LockNotAvailable as error:
                    conn.rollback()
                    self.failures.append(str(error).splitlines()[0])
                time.sleep(0.02)


@pytest.fixture
def copy_name() -> Iterator[str]:
    yield from scratch_database("migrating")


def _migrate(database: str, *target: str) -> None:
    result = run(sys.executable, str(MANAGE), "migrate", *target, "--noinput",
                 env=libpq_env(database))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_index_migrations_let_writes_through(world: Any, submit: Any, copy_name: str):
    complaints = [submit().complaint.pk for _ in range(3)]
    original = connection.settings_dict["NAME"]
    assert run("createdb", "--template=template0", copy_name,
               env=libpq_env(original)).returncode == 0
    dump = run("sh", "-c", f"pg_dump --format=custom {original} | "
                           f"pg_restore --no-owner --exit-on-error --dbname={copy_name}",
               env=libpq_env(original))
    assert dump.returncode == 0, dump.stderr
    _migrate(copy_name, "complaints", "0002")
    # A concurrent build that failed leaves an invalid index under its name (here: unique
    # over complaints of one agency). The migration must build the real one in its place.
    with connect(copy_name) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY complaint_service_received "
                     "ON complaints_complaint (agency_id)")

    writers = [Writer(copy_name, complaints[0], HELD),
               Writer(copy_name, complaints[1], HELD, start_after=HELD / 2),
               Writer(copy_name, complaints[2], 0.01, lock_timeout=PATIENCE)]
    for writer in writers:
        writer.start()
    time.sleep(HELD)
    try:
        _migrate(copy_name)
    finally:
        for writer in writers:
            writer.stopping.set()
        for writer in writers:
            writer.join(timeout=10)

    short = writers[2]
    assert short.failures == [], f"{len(short.failures)} writes waited: {short.failures[:3]}"
    assert short.done > 50 and all(w.done for w in writers[:2])
    with connect(copy_name) as conn:
        indexes = dict(conn.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid IN ('complaints_complaint'::regclass, 'workflow_clock'::regclass,"
            " 'workflow_event'::regclass)").fetchall())
    built = ("complaint_agency_queue", "complaint_assignee_queue", "complaint_title_trgm",
             "complaint_description_trgm", "complaint_service_received", "event_first_respond",
             "clock_late_or_running")
    assert {name: indexes.get(name) for name in built} == dict.fromkeys(built, True)
    assert not [name for name in indexes if name.endswith("_new")]
    with connect(copy_name) as conn:
        (definition,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'complaint_service_received'"
        ).fetchone()
    assert definition.endswith("(service_id, received_at)"), definition
    assert not [name for name in indexes if name.startswith("complaints_complaint_service_id")]
