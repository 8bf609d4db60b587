"""PostgreSQL as if across a network: `bench.run --db-rtt MS` starts the app servers with
BENCH_DB_RTT_MS, and bench.settings then makes every round trip to the database MS longer.

psycopg sends a command (a statement, BEGIN, COMMIT, a savepoint, preparing a statement,
a fetch from a server-side cursor) and then runs its `execute` generator, which waits for
the answer: one round trip each. Wrapping that generator delays each by MS. The sleep
holds no CPU and releases the GIL, as waiting on a network does, so a gthread worker's other
thread runs meanwhile. Loopback's own round trip (about 0.1 ms) comes on top.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg._cursor_base
import psycopg._server_cursor_base
import psycopg.generators


# The modules that took `execute` by name, and the one where it is looked up at each call.
MODULES = (psycopg._cursor_base, psycopg._server_cursor_base, psycopg.generators)


def delay_round_trips(seconds: float) -> Callable[[], None]:
    """Delays every round trip from now on; returns what undoes it."""
    originals = [(module, module.execute) for module in MODULES]

    def delayed(execute: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(pgconn: Any) -> Any:
            time.sleep(seconds)
            return execute(pgconn)
        return wrapper

    for module, execute in originals:
        module.execute = delayed(execute)  # type: ignore[attr-defined]

    def restore() -> None:
        for module, execute in originals:
            module.execute = execute  # type: ignore[attr-defined]

    return restore
