"""A read replica for the tests: the "replica" alias that DATABASE_REPLICA_URL would add,
made here on the test database itself so that no second server is needed; and what an
operator prepares before starting the production processes on it."""

from __future__ import annotations

import copy
import io
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings
from django.db.backends.base.base import BaseDatabaseWrapper

from config.routers import REPLICA
from deploy import cooperation
from tests.reliability.processes import Gunicorn, SlaWorker


@contextmanager
def replica_alias(*, read_only: bool = False) -> Iterator[BaseDatabaseWrapper]:
    """The "replica" alias for the duration of the block: a second connection to the test
    database (Django's test MIRROR shares the settings but opens its own connection, as this
    does). With `read_only` on PostgreSQL every transaction on it is read-only, as on a hot
    standby, so a write routed there by mistake fails.

    A test case that queries it must list it in its databases, and the alias must exist
    before that case starts (Django checks the list then) and until it has ended."""
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    if read_only and settings_dict["ENGINE"] == "django.db.backends.postgresql":
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}),
                                    "options": "-c default_transaction_read_only=on"}
    connections.settings[REPLICA] = settings_dict
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


# The cache the production processes share, as the recipe configures it.
SHARED_CACHE = {"CACHE_BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "CACHE_LOCATION": "aduan_test_cache"}


def prepare_processes(env: dict[str, str]) -> None:
    """What an operator does before starting the processes: the cache table and the static
    files (migrations: the test database has them). The cache starts empty: figures another
    test's processes kept there would answer this one's questions without reading."""
    with override_settings(CACHES={"default": {"BACKEND": SHARED_CACHE["CACHE_BACKEND"],
                                               "LOCATION": SHARED_CACHE["CACHE_LOCATION"]}}):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                   cwd=settings.BASE_DIR, env=env, check=True, capture_output=True,
                   timeout=120)


def run_check(servers: Sequence[Gunicorn], workers: Sequence[SlaWorker],
              **options: Any) -> cooperation.Report:
    """deploy.cooperation's check of these processes, started for it and stopped after it;
    its report printed."""
    out = io.StringIO()
    try:
        for process in (*servers, *workers):
            process.start()
        return cooperation.run(
            [f"http://{host}:{port}" for host, port in (s.address for s in servers)],
            [w.log_path for w in workers], out=out, **options)
    finally:
        for process in (*workers, *servers):
            process.stop()
        print(out.getvalue())
