"""Backup and restore as docs/operations.md prescribes: `pg_dump --format=custom`, a fresh
database, `pg_restore`, `vacuumdb --analyze`, then the restore check — `manage.py
verify_audit` and `migrate --check` with the production settings against the restored copy,
and every table compared with the original, row for row."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB, World, valid_payload
from tests.reliability.processes import MANAGE, connect, libpq_env, run, scratch_database
from workflow.delivery import deliver_pending
from workflow.models import Event
from workflow.services import complaint_transition, reporter_for
from workflow.states import Action, State
from workflow.sweeper import sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Paths beyond the four states' own (tests.conftest.PATH_TO): the other ways to close,
# and the turns in between.
DETOURS: list[list[tuple[str, str]]] = [
    [(Action.REJECT, "coordinator")],
    [(Action.REFER, "coordinator")],
    [(Action.WITHDRAW, "citizen")],
    [(Action.ASSIGN, "coordinator"), (Action.REQUEST_INFO, "officer")],
    [(Action.ASSIGN, "coordinator"), (Action.EXTEND, "supervisor"),
     (Action.RESPOND, "officer"), (Action.DISPUTE, "citizen")],
]


def make_records(world: World, complaint_in: Any, submit: Any) -> None:
    """A few dozen complaints in every state, through the workflow service; then a sweep
    (breach escalations), the outbox delivered and an identity view: every kind of row."""
    for state in State:
        for _ in range(7):
            complaint_in(state)
    for steps in DETOURS:
        for _ in range(3):
            complaint = submit().complaint
            for n, (action, role) in enumerate(steps, start=1):
                complaint = complaint_transition(
                    complaint=complaint, action=action, actor=world.actor(role, complaint),
                    payload=valid_payload(action, world),
                    now=MONDAY_9_WIB + dt.timedelta(hours=n))
    friday = MONDAY_9_WIB + dt.timedelta(days=4)
    assert sweep(now=friday)["breached"] > 0
    deliver_pending(now=friday)
    reporter_for(Complaint.objects.order_by("pk").first(), world.actor("coordinator"),
                 now=friday)


def fingerprint(name: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows; every sequence's position."""
    found: dict[str, tuple[int, str]] = {}
    with connect(name) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        for table in tables:
            found[table] = conn.execute(
                f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\'))'
                f' FROM "{table}" t').fetchone()
        for sequence, last in conn.execute(
                "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
                "WHERE schemaname = 'public'"):
            found[f"sequence {sequence}"] = (last, "")
    return found


def analysed(name: str) -> set[str]:
    """The tables that have planner statistics and pages marked all-visible."""
    with connect(name) as conn:
        return {table for (table,) in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relallvisible > 0 "
            "AND EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = 'public' "
            "AND s.tablename = c.relname)")}


@pytest.fixture
def restored_name() -> Iterator[str]:
    """The name of a fresh database for the restore, dropped afterwards."""
    yield from scratch_database("restored")


def test_a_restored_backup_verifies_and_matches_the_original(
        world: World, complaint_in: Any, submit: Any, restored_name: str, tmp_path: Path):
    make_records(world, complaint_in, submit)
    original = connection.settings_dict["NAME"]
    dump = tmp_path / "aduan.dump"

    backup = run("pg_dump", "--format=custom", f"--file={dump}", original,
                 env=libpq_env(original))
    assert backup.returncode == 0, backup.stderr
    assert run("createdb", "--template=template0", restored_name,
               env=libpq_env(original)).returncode == 0
    restore = run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_name}",
                  str(dump), env=libpq_env(restored_name))
    assert restore.returncode == 0, restore.stderr
    # A dump carries no planner statistics and a restore marks no page all-visible: the
    # procedure gives the copy both before anything reads it.
    statistics = run("vacuumdb", "--analyze", f"--dbname={restored_name}",
                     env=libpq_env(restored_name))
    assert statistics.returncode == 0, statistics.stderr
    assert {"complaints_complaint", "workflow_event", "workflow_clock"} <= analysed(restored_name)

    # The restore check of docs/operations.md, with the production settings.
    env = libpq_env(restored_name)
    check = run(sys.executable, str(MANAGE), "verify_audit", env=env)
    complaints, events = Complaint.objects.count(), Event.objects.count()
    assert complaints >= 40
    assert (check.returncode, check.stdout.strip()) == (
        0, f"OK: {complaints} complaints, {events} events verified."), check.stderr
    migrations = run(sys.executable, str(MANAGE), "migrate", "--check", env=env)
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    assert fingerprint(restored_name) == fingerprint(original)

    # And the check is worth running: a changed event in the copy is found.
    with connect(restored_name) as conn:
        conn.execute("UPDATE workflow_event SET payload = '{\"response\": \"diubah\"}' "
                     "WHERE id = (SELECT max(id) FROM workflow_event)")
    tampered = run(sys.executable, str(MANAGE), "verify_audit", env=env)
    assert tampered.returncode == 1
    assert "BROKEN" in tampered.stdout and "1 of" in tampered.stderr


def test_a_replay_on_a_server_with_another_secret_key_names_the_complaint_only(world: World):
    """A submission retried with its Idempotency-Key after a restore onto a server with a new
    SECRET_KEY: the sealed access token cannot be recovered. The replay still names the
    complaint (no second one), without the token — never a 500, never a wrong token."""
    cache.clear()  # the submission throttle counts per address, in this process's cache
    client, body = APIClient(), {"service": world.service.code, "title": "KTP-el belum jadi",
                                 "description": "Sudah tiga bulan.",
                                 "reporter": {"email": "siti@example.id"}}
    first = client.post("/api/v1/complaints/", body, format="json",
                        HTTP_IDEMPOTENCY_KEY="sebelum-pemulihan")
    with override_settings(SECRET_KEY="a-new-secret-key-after-the-restore-0123456789abcdefgh"):
        again = client.post("/api/v1/complaints/", body, format="json",
                            HTTP_IDEMPOTENCY_KEY="sebelum-pemulihan")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == {k: v for k, v in first.json().items() if k != "access_token"}
    assert Complaint.objects.count() == 1
