"""The check of `make serve-prod` (deploy/cooperation.py), run on the test database: two
gunicorn app servers with the production settings, a read-only replica connection and a
shared database cache, and two SLA workers, started with the reliability tests' helpers.
About 30 s on two cores, most of it the 250 complaints that the workers share."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.db import connection

from deploy import cooperation
from tests.conftest import World
from tests.deploy.conftest import SHARED_CACHE, prepare_processes, run_check
from tests.reliability.processes import Gunicorn, SlaWorker, database_url, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# More than one sweeper batch (200), so that the second worker finds unclaimed work.
DUE = 250


def test_two_app_servers_and_two_workers_cooperate(world: World, tmp_path: Path):
    url = database_url(connection.settings_dict)
    env = production_env(
        connection.settings_dict, STATIC_ROOT=str(tmp_path / "static"), **SHARED_CACHE,
        DATABASE_REPLICA_URL=f"{url}?options=-c%20default_transaction_read_only%3Don",
    )
    prepare_processes(env)
    # Each process names its connections, as the recipe does.
    names = [f"aduan-test-app-{n}" for n in "ab"]
    # The statement timeout short, as serve_prod.sh has it, so that its check takes seconds.
    servers = [Gunicorn({**env, "DB_APPLICATION_NAME": name, "DB_STATEMENT_TIMEOUT": "5"},
                        tmp_path / f"{name}.log", workers=2) for name in names]
    # INFO: each worker logs what each pass did; the console mail backend logs each mail.
    workers = [SlaWorker({**env, "LOG_LEVEL": "INFO",
                          "DB_APPLICATION_NAME": f"aduan-test-worker-{n}"},
                         tmp_path / f"worker-{n}.log")
               for n in (1, 2)]
    report = run_check(servers, workers, due=DUE, app_names=names, statement_timeout=5)

    assert report.failed == [], report.summary()
    assert len(report.results) >= 20


def test_the_check_fails_a_server_whose_statistics_read_the_primary(world: World,
                                                                     tmp_path: Path):
    """A server without the replica's URL reads its statistics from the primary."""
    env = production_env(connection.settings_dict, STATIC_ROOT=str(tmp_path / "static"))
    prepare_processes(env)
    server = Gunicorn({**env, "DB_APPLICATION_NAME": "aduan-test-primary-only"},
                      tmp_path / "app.log", workers=1)
    out = io.StringIO()
    try:
        server.start()
        host, port = server.address
        report = cooperation.Report(out)
        cooperation.check_replica(report, [f"http://{host}:{port}"],
                                  ["aduan-test-primary-only"])
    finally:
        server.stop()
    assert report.failed == ["statistics read through the replica by every server"], \
        out.getvalue()
    assert "no replica connection from http://" in out.getvalue()


def test_the_check_fails_a_server_without_a_statement_timeout(world: World, submit,
                                                               tmp_path: Path):
    """Told of a timeout the server does not have, the check sees the write wait for the
    row until the check gives up on it. (What follows depends on when the server's write
    goes through once the row is free, so only the first verdict is asserted.)"""
    env = production_env(connection.settings_dict, STATIC_ROOT=str(tmp_path / "static"))
    prepare_processes(env)
    number = submit().complaint.tracking_number
    server = Gunicorn(env, tmp_path / "app.log", workers=1)
    out = io.StringIO()
    try:
        server.start()
        host, port = server.address
        report = cooperation.Report(out)
        cooperation.check_statement_timeout(report, [f"http://{host}:{port}"], [number], 1)
    finally:
        server.stop()
    assert report.failed[0] == ("a write held up on a locked row is cancelled by the "
                                "servers' 1 s statement timeout"), out.getvalue()
    assert "b'no answer'" in out.getvalue()
