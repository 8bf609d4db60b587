"""Aduan behind PgBouncer handing out server connections per transaction (docs/deploy.md,
"Behind PgBouncer"): the check of `make serve-prod` (deploy/cooperation.py) with two
gunicorn app servers and two SLA workers that reach the test database only through
Debian's PgBouncer (1.18), which gives them fewer server connections than they hold:

- prepared statements off (`DB_PREPARED_STATEMENTS=0`): PgBouncer before 1.21 cannot keep
  them in this mode;
- the app servers' statement timeout set by PgBouncer on their own database entry
  (`connect_query`), since it refuses libpq's `options` that `DB_STATEMENT_TIMEOUT` sends;
  the workers' entry without one.

About 20 s on two cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import World
from tests.deploy.conftest import SHARED_CACHE, prepare_processes, run_check
from bench.pgbouncer import PGBOUNCER, PgBouncer, server_of
from tests.reliability.processes import Gunicorn, SlaWorker, database_url, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Server connections per database entry: fewer than the clients of each (the two servers'
# four workers; the two SLA workers and their replica-less reads), so that they take turns.
POOL = 2
TIMEOUT = 5  # seconds: the app servers' statement timeout, set by PgBouncer
DUE = 250  # more than one sweeper batch, as in test_serve_prod


@pytest.fixture
def pgbouncer(tmp_path: Path) -> Iterator[PgBouncer]:
    if not PGBOUNCER.exists():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {PGBOUNCER} is missing "
                        "(apt-get install pgbouncer)")
        pytest.skip(f"{PGBOUNCER} is not installed")
    name = connection.settings_dict["NAME"]
    bouncer = PgBouncer(server_of(database_url(connection.settings_dict)), {
        "aduan_app": f"dbname={name} connect_query='SET statement_timeout = {TIMEOUT * 1000}'",
        "aduan_worker": f"dbname={name}",
    }, tmp_path / "pgbouncer.log", pool_size=POOL)
    bouncer.start()
    yield bouncer
    bouncer.stop()


def test_servers_and_workers_cooperate_through_a_transaction_pooler(
        world: World, pgbouncer: PgBouncer, tmp_path: Path):
    env = production_env(connection.settings_dict, STATIC_ROOT=str(tmp_path / "static"),
                         DB_PREPARED_STATEMENTS="0", **SHARED_CACHE)
    prepare_processes(env)
    servers = [Gunicorn({**env, "DATABASE_URL": pgbouncer.url("aduan_app")},
                        tmp_path / f"app-{n}.log", workers=2) for n in "ab"]
    workers = [SlaWorker({**env, "DATABASE_URL": pgbouncer.url("aduan_worker"),
                          "LOG_LEVEL": "INFO"}, tmp_path / f"worker-{n}.log")
               for n in (1, 2)]
    report = run_check(servers, workers, due=DUE, statement_timeout=TIMEOUT)

    assert report.failed == [], report.summary()
    checked = {name for name, _ok, _detail in report.results}
    assert any(name.startswith("a write held up") for name in checked)
    assert any(name.startswith("audit chains verified by") for name in checked)
