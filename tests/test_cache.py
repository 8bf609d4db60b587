"""Figures computed by one request at a time (config/cache.py), on the local-memory cache of
the tests. The same race on PostgreSQL's cache table: tests/pg/test_cache_single_flight.py."""

from __future__ import annotations

import logging
import math
import re
import threading
import time

import pytest
import time_machine
from django.core.cache import cache

from config import cache as figures
from config.cache import Busy, Slots, get_or_compute, refresh

KEY = "figures:test"
KEPT, LOCK = f"{KEY}:kept", f"{KEY}:computing"
# The advisory locks' class of the slots here: none of the application's.
LOCK_CLASS = 7


def one_slot() -> Slots:
    return Slots(LOCK_CLASS, lambda: 1)


class Counted:
    """A computation that counts its calls and answers its call number."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


@pytest.fixture
def clock():
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        yield traveller


def test_a_fresh_value_is_answered_without_computing(clock):
    compute = Counted()
    assert get_or_compute(KEY, compute, 60) == 1
    clock.shift(59)
    assert get_or_compute(KEY, compute, 60) == 1
    assert compute.calls == 1


def test_a_stale_value_is_computed_again_by_the_first_caller(clock):
    compute = Counted()
    get_or_compute(KEY, compute, 60)
    clock.shift(61)
    assert get_or_compute(KEY, compute, 60) == 2
    assert cache.get(LOCK) is None  # released
    clock.shift(59)
    assert get_or_compute(KEY, compute, 60) == 2  # fresh again from the new computation


def test_while_another_computes_a_stale_value_is_answered_at_once(clock):
    compute = Counted()
    get_or_compute(KEY, compute, 60)
    clock.shift(100)
    assert cache.add(LOCK, True)  # another caller is computing
    assert get_or_compute(KEY, compute, 60) == 1
    assert compute.calls == 1


def test_a_value_left_under_the_key_by_get_or_set_is_not_read_as_figures():
    """The statistics were kept with `cache.get_or_set` before; in a database cache its
    values outlive an upgrade, and read as an entry they made every request fail."""
    cache.set(KEY, {"totals": {"complaints": 3}}, 60)
    assert get_or_compute(KEY, Counted(), 60) == 1


def test_a_value_older_than_twice_its_period_is_never_answered(clock):
    compute = Counted()
    get_or_compute(KEY, compute, 60)
    clock.shift(121)
    assert cache.get(KEPT) is None
    assert get_or_compute(KEY, compute, 60) == 2


def test_without_a_value_callers_wait_for_the_one_computing(monkeypatch):
    monkeypatch.setattr(figures, "POLL_SECONDS", 0.01)
    compute = Counted()
    assert cache.add(LOCK, True)
    answers: list[int] = []
    waiter = threading.Thread(target=lambda: answers.append(get_or_compute(KEY, compute, 60)))
    waiter.start()
    time.sleep(0.2)
    assert waiter.is_alive() and answers == []
    cache.set(KEPT, (time.time() + 60, 7), 120)  # the other caller's value arrives
    waiter.join(5)
    assert answers == [7] and compute.calls == 0


def test_a_failed_computation_releases_the_lock():
    def fail() -> int:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        get_or_compute(KEY, fail, 60)
    assert cache.get(LOCK) is None
    assert get_or_compute(KEY, Counted(), 60) == 1


def test_a_lock_left_by_a_dead_process_delays_the_others_only_so_long(monkeypatch):
    monkeypatch.setattr(figures, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(figures, "LOCK_SECONDS", 0.3)
    assert cache.add(LOCK, True, 3600)  # never released
    compute = Counted()
    began = time.monotonic()
    assert get_or_compute(KEY, compute, 60) == 1
    assert 0.3 <= time.monotonic() - began < 3


def test_a_lock_lasts_three_times_the_last_computation(monkeypatch):
    """At five million complaints a computation outlasted the fixed lock (finding 55): the
    next caller to find the figures stale took the lock again and computed them beside it."""
    monkeypatch.setattr(figures, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(figures, "LOCK_SECONDS", 0.2)
    calls, second_began = [], threading.Event()

    def slow() -> int:  # the first 0.4 s (a lock of 1.2 s next), the second 1 s
        calls.append(len(calls) + 1)
        if len(calls) == 2:
            second_began.set()
        time.sleep(0.4 if len(calls) == 1 else 1.0)
        return len(calls)

    assert get_or_compute(KEY, slow, 60) == 1
    cache.set(KEPT, (time.time() - 1, 1), 60)  # stale, still kept
    first = threading.Thread(target=get_or_compute, args=(KEY, slow, 60))
    first.start()
    assert second_began.wait(5)
    time.sleep(0.5)  # past LOCK_SECONDS, within the computation and its lock
    assert get_or_compute(KEY, slow, 60) == 1  # the stale figures, not a computation
    first.join(5)
    assert calls == [1, 2]
    assert get_or_compute(KEY, slow, 60) == 2


def test_a_lock_left_by_a_dead_process_delays_the_others_by_the_last_computation(monkeypatch):
    monkeypatch.setattr(figures, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(figures, "LOCK_SECONDS", 0.1)
    cache.set(f"{KEY}:took", 0.2)  # the last computation: 0.6 s of lock
    assert cache.add(LOCK, True, 3600)  # never released
    began = time.monotonic()
    assert get_or_compute(KEY, Counted(), 60) == 1
    assert 0.6 <= time.monotonic() - began < 3


def test_figures_stay_fresh_ten_times_as_long_as_they_took(clock, monkeypatch):
    """Everything took over half a minute at five million complaints: recomputed each
    minute while a dashboard stayed open, it kept half a database core busy (finding
    56). Figures that take more than a tenth of their period stay fresh ten times as long
    as they took (a hundred here, for computations of a twentieth of a second)."""
    monkeypatch.setattr(figures, "FRESH_PER_COMPUTATION", 100)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return len(calls)

    assert get_or_compute(KEY, slow, 1) == 1
    fresh = math.ceil(100 * cache.get(f"{KEY}:took"))
    assert fresh >= 5
    clock.shift(fresh / 2)  # past the period, within a hundred times the computation
    assert get_or_compute(KEY, slow, 1) == 1
    clock.shift(fresh / 2 + 0.1)
    assert get_or_compute(KEY, slow, 1) == 2
    assert calls == [1, 1]


@pytest.mark.django_db
def test_without_a_free_slot_a_stale_value_is_answered(clock):
    slots = one_slot()
    compute = Counted()
    get_or_compute(KEY, compute, 60, slots)
    clock.shift(100)
    assert slots.process.acquire(blocking=False)  # another question is being computed
    assert get_or_compute(KEY, compute, 60, slots) == 1
    assert compute.calls == 1 and cache.get(LOCK) is None
    slots.process.release()
    assert get_or_compute(KEY, compute, 60, slots) == 2


@pytest.mark.django_db
def test_without_a_free_slot_and_without_a_value_the_caller_is_told_busy():
    slots = one_slot()
    compute = Counted()
    assert slots.process.acquire(blocking=False)
    with pytest.raises(Busy):
        get_or_compute(KEY, compute, 60, slots)
    assert compute.calls == 0 and cache.get(LOCK) is None
    slots.process.release()
    assert get_or_compute(KEY, compute, 60, slots) == 1


@pytest.mark.django_db
def test_a_slot_is_freed_when_its_computation_fails():
    slots = one_slot()

    def fail() -> int:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        get_or_compute(KEY, fail, 60, slots)
    assert slots.process.acquire(blocking=False)


def test_each_computation_is_logged_with_its_key_and_time(caplog, clock):
    """Operators watch these lines, and bench.run counts them (bench/measure.py)."""
    caplog.set_level(logging.INFO, logger="config.cache")
    get_or_compute(KEY, Counted(), 60)
    get_or_compute(KEY, Counted(), 60)
    [line] = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(rf"figures {KEY} computed in \d+\.\d\d s", line)


def test_refresh_computes_a_missing_value_that_callers_then_read(clock):
    compute = Counted()
    assert refresh(KEY, compute, 60) is True
    clock.shift(59)
    assert get_or_compute(KEY, compute, 60) == 1
    assert compute.calls == 1
    assert cache.get(LOCK) is None


def test_refresh_leaves_a_value_fresh_past_its_horizon(clock):
    compute = Counted()
    get_or_compute(KEY, compute, 60)
    clock.shift(20)
    assert refresh(KEY, compute, 60, ahead_seconds=30) is False  # fresh for 40 s more
    clock.shift(15)
    assert refresh(KEY, compute, 60, ahead_seconds=30) is True  # stale within 25 s
    assert compute.calls == 2
    clock.shift(59)  # the refreshed figures are fresh a whole period from the refresh
    assert get_or_compute(KEY, compute, 60) == 2
    assert compute.calls == 2


def test_refresh_leaves_a_value_another_caller_is_computing(clock):
    compute = Counted()
    assert cache.add(LOCK, True)
    assert refresh(KEY, compute, 60) is False
    assert compute.calls == 0 and cache.get(LOCK) is True  # the other's lock is kept
