"""Figures that take seconds to compute, kept in the shared cache and computed by one request
at a time (docs/performance.md, finding 28).

`cache.get_or_set` lets every request that finds a value expired compute it again. At a
million complaints the statistics take seconds, so when the figures expired under load every
app-server thread that was handed the page computed the same figures at once, and the other
pages queued behind them. Here a value stays in the cache for a second period past its
freshness. The first request to find it stale takes a lock in the cache (`cache.add`, which
only one caller wins in each of Django's backends) and computes; meanwhile the others are
answered the stale value, whose moment the pages and the API show. When there is no value
at all (the first request, or none for a whole period), they wait for the one computing
rather than compute too. Each computation is logged with its time, and its time is kept: the
lock, and the others' wait, last at least three times the figures' last computation, so
that one which takes minutes (everything at five million complaints, under load) is not
computed again beside itself (finding 55). And figures stay fresh at least ten times as
long as they took: at five million complaints, where everything takes about half a minute,
they are kept fresh about five minutes rather than recomputed every minute at the cost of
half a database core (finding 56).

A caller may also name `slots`, the computations of its kind that may run at once: one in
each process and, on PostgreSQL, a number among all the processes that compute on the same
database (`Slots`). When none is free the kept figures are answered (up to two periods old),
or `Busy` is raised when there are none. The public statistics use it, so that visitors
asking many different questions hold at most one thread of each app-server process
(finding 29) and keep at most STATISTICS_COMPUTATIONS of the database's cores busy
(finding 45).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from django.core.cache import cache
from django.db import connections, transaction

from config.routers import domain_reads

T = TypeVar("T")

logger = logging.getLogger(__name__)

# A lock lasts at least this long (everything took 7 s at a million complaints), and
# callers without figures wait as long for its holder; a process that dies holding it makes
# the others wait so long, then compute.
LOCK_SECONDS = 60
# A lock lasts at least this many times the figures' last computation, too: everything took
# 30-40 s alone at five million complaints and 77 s beside another computation.
LOCK_PER_COMPUTATION = 3
# Figures stay fresh at least this many times as long as they took to compute, so that
# keeping them fresh costs at most a tenth of a core while anyone asks for them: everything
# took 33-38 s at five million complaints, and recomputed every minute while the ombudsman's
# dashboard was open it would keep half a database core busy.
FRESH_PER_COMPUTATION = 10
# How long a computation's time is kept for the next one's lock.
TOOK_SECONDS = 7 * 86_400
# How often a request waiting for another's computation looks for the value.
POLL_SECONDS = 0.05


class Busy(Exception):
    """Every computation slot of this kind is taken, and no figures are kept to answer."""


class Slots:
    """The computations of one kind that may run at once: one in each process, and on
    PostgreSQL at most `limit()` among all the processes computing on the same database.

    The process's slot is a semaphore. The database's are the transaction-level advisory
    locks (`lock_class`, 0) to (`lock_class`, limit − 1), taken on the connection that the
    computation reads through (the replica's inside `reading_from_replica()`) in a
    transaction around it. PostgreSQL releases them when that transaction ends, however it
    ends, or when its session does (a process killed in the middle). A hot standby takes
    advisory locks as its primary does, each server its own, so the limit holds per server
    that computes."""

    def __init__(self, lock_class: int, limit: Callable[[], int]) -> None:
        self.process = threading.BoundedSemaphore(1)
        self.lock_class = lock_class
        self.limit = limit

    @contextmanager
    def held(self) -> Iterator[None]:
        """The block run in a free slot; `Busy` if there is none."""
        if not self.process.acquire(blocking=False):
            raise Busy
        try:
            using = domain_reads()
            shared = connections[using].vendor == "postgresql"
            with transaction.atomic(using=using) if shared else nullcontext():
                if shared and not self._database_slot(using):
                    raise Busy
                yield
        finally:
            self.process.release()

    def _database_slot(self, using: str) -> bool:
        with connections[using].cursor() as cursor:
            for slot in range(self.limit()):
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)",
                               [self.lock_class, slot])
                if cursor.fetchone()[0]:
                    return True
        return False


def get_or_compute(key: str, compute: Callable[[], T], fresh_seconds: int,
                   slots: Slots | None = None) -> T:
    """The value under `key` if it was computed less than `fresh_seconds` ago (or ten times
    its computation, if longer: FRESH_PER_COMPUTATION); otherwise `compute()`'s, computed
    by one caller at a time. A value up to twice that old is answered while another caller
    computes its successor, or while `slots` has none free."""
    # The entry and its lock have keys of their own: a value that `get_or_set` left under
    # `key` itself (the code before this) is never read as an entry.
    kept, lock, took = _keys(key)
    found = cache.get_many([kept, took])
    entry, hold = found.get(kept), _hold(found.get(took))
    give_up = time.monotonic() + hold
    while True:
        if entry is not None and entry[0] > time.time():
            return entry[1]
        if cache.add(lock, True, hold):
            try:
                entry = cache.get(kept)  # another caller may have finished since
                if entry is None or entry[0] <= time.time():
                    try:
                        computed = _computed(key, compute, slots)
                    except Busy:
                        if entry is None:
                            raise
                        return entry[1]
                    entry = _store(key, computed, fresh_seconds)
            finally:
                cache.delete(lock)
            return entry[1]
        if entry is not None:
            return entry[1]
        if time.monotonic() >= give_up:
            return _computed(key, compute, slots)[0]
        time.sleep(POLL_SECONDS)
        entry = cache.get(kept)


def refresh(key: str, compute: Callable[[], T], fresh_seconds: int,
            ahead_seconds: float = 0) -> bool:
    """Compute the value under `key` now, as `get_or_compute` would, if it is missing or
    will be stale within `ahead_seconds`: the SLA worker keeps the questions everyone asks
    first computed ahead, so that no visitor waits for them (finding 35). Nothing is
    computed while another caller computes it. True if this call computed it."""
    _kept, lock, took = _keys(key)
    if not is_due(key, ahead_seconds) or not cache.add(lock, True, _hold(cache.get(took))):
        return False
    try:
        if not is_due(key, ahead_seconds):  # another caller finished between the two reads
            return False
        _store(key, _computed(key, compute, None), fresh_seconds)
        return True
    finally:
        cache.delete(lock)


def is_due(key: str, ahead_seconds: float = 0) -> bool:
    """Whether the value under `key` is missing or will be stale within `ahead_seconds`."""
    entry = cache.get(_keys(key)[0])
    return entry is None or entry[0] <= time.time() + ahead_seconds


def is_computing(key: str) -> bool:
    """Whether a caller holds the lock of the value under `key`: computes it now."""
    return cache.get(_keys(key)[1]) is not None


def kept_seconds(fresh_seconds: int) -> int:
    """How long a value is kept in the cache: a second period past its freshness. What is
    derived from a value (the public statistics page's HTML) is kept as long."""
    return 2 * fresh_seconds


def fresh_for(fresh_seconds: int, took: float) -> int:
    """How long figures that took `took` seconds to compute stay fresh: `fresh_seconds`, or
    FRESH_PER_COMPUTATION times as long as they took."""
    return max(fresh_seconds, math.ceil(FRESH_PER_COMPUTATION * took))


def _keys(key: str) -> tuple[str, str, str]:
    """The keys of the figures' entry, of the lock of their computation, and of its time."""
    return f"{key}:kept", f"{key}:computing", f"{key}:took"


def _hold(took: float | None) -> float:
    """How long a computation's lock lasts, given the last one's time, if known."""
    return max(LOCK_SECONDS, LOCK_PER_COMPUTATION * (took or 0))


def _store(key: str, computed: tuple[T, float], fresh_seconds: int) -> tuple[float, T]:
    """The figures `computed` (and the seconds they took) kept under `key`, fresh for
    `fresh_seconds` or FRESH_PER_COMPUTATION times those seconds; their entry."""
    kept, _lock, took = _keys(key)
    value, seconds = computed
    fresh = fresh_for(fresh_seconds, seconds)
    entry = (time.time() + fresh, value)
    cache.set(kept, entry, kept_seconds(fresh))
    cache.set(took, seconds, TOOK_SECONDS)
    return entry


def _computed(key: str, compute: Callable[[], T], slots: Slots | None) -> tuple[T, float]:
    """`compute()`'s value and the seconds it took, in a slot of `slots` if given."""
    with slots.held() if slots is not None else nullcontext():
        began = time.monotonic()
        value = compute()
        seconds = time.monotonic() - began
        logger.info("figures %s computed in %.2f s", key, seconds)
        return value, seconds
