"""A read replica for the tests: the "replica" alias that DATABASE_REPLICA_URL would add,
made here on the test database itself so that no second server is needed."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from config.routers import REPLICA


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
