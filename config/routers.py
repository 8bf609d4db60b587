"""Which database a query goes to: the primary ("default") or the optional read replica.

Every write, and every read outside `reading_from_replica()`, goes to the primary. Inside that
scope — the exports and the statistics, which read a lot and change nothing — reads of the
domain data go to the replica when one is configured (`DATABASE_REPLICA_URL`, docs/deploy.md).
The workflow never runs in the scope: it locks rows and must read its own writes, which a
replica, always a little behind the primary, may not have yet. Without a replica every query
goes to the primary, as if there were no router.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# The alias of the replica in DATABASES (config/settings.py adds it from DATABASE_REPLICA_URL).
REPLICA = "replica"
# What the replica serves: complaints and their workflow records. Sign-in (with the user's
# roles), sessions, API tokens and the cache table always read the primary, so that a
# revoked token or role, a deactivated user or a new session takes effect at once, not when
# the replica catches up.
REPLICA_APPS = frozenset({"complaints", "workflow"})

# A context variable, not a thread-local: each request of a threaded gunicorn worker, and
# each task under ASGI, has its own.
_in_scope: ContextVar[bool] = ContextVar("reading_from_replica", default=False)

View = TypeVar("View", bound=Callable[..., Any] | type)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the domain data inside this block may come from the replica."""
    token = _in_scope.set(True)
    try:
        yield
    finally:
        _in_scope.reset(token)


def replica_reads(view: View) -> View:
    """Decorate a view function, or a class-based view (its `dispatch`), so that its reads
    run in `reading_from_replica()` — including those of a streamed body, which is produced
    after the view has returned."""
    if isinstance(view, type):
        view.dispatch = replica_reads(view.dispatch)  # type: ignore[attr-defined]
        return view

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            response = view(*args, **kwargs)
        if getattr(response, "streaming", False) and not response.is_async:
            response.streaming_content = _each_step_in_scope(response.streaming_content)
        return response

    return wrapped  # type: ignore[return-value]


_END = object()


def _each_step_in_scope(chunks: Iterable[bytes]) -> Iterator[bytes]:
    # A generator runs in its caller's context, so the scope is entered around each step and
    # left before each yield: between chunks the server (and, on a threaded worker, whatever
    # it does next on this thread) is never in the scope.
    iterator = iter(chunks)
    while True:
        with reading_from_replica():
            chunk = next(iterator, _END)
        if chunk is _END:
            return
        yield chunk  # type: ignore[misc]


def replica_configured() -> bool:
    return REPLICA in connections.settings


def domain_reads() -> str:
    """The database that reads of the domain data (REPLICA_APPS) go to here and now."""
    if (_in_scope.get() and replica_configured()
            # Inside a transaction on the primary, reads stay there: they may have to see
            # its own uncommitted writes, or be the ones that lock rows.
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Listed in DATABASE_ROUTERS; see the module docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return domain_reads() if model._meta.app_label in REPLICA_APPS else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: a complaint read from it may point at a user
        # read from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica gets its schema by replication; migrations run on the primary only.
        return False if db == REPLICA else None
