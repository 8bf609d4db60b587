"""Many requests finding the same figures missing or stale at once, with the cache in
PostgreSQL's table (`DatabaseCache`, as docs/deploy.md configures more than one app server):
one computes, the others wait for it or are answered the stale figures (config/cache.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from config.cache import get_or_compute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEY = "figures:race"
KEPT = f"{KEY}:kept"
CALLERS = 6


@pytest.fixture(autouse=True)
def database_cache():
    with override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "aduan_test_race_cache"}}):
        call_command("createcachetable", verbosity=0)
        cache.clear()
        yield


class Slow:
    """A computation of `seconds` that counts its calls, from any thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.calls, self._lock = seconds, 0, threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
            call = self.calls
        time.sleep(self.seconds)
        return f"computed {call}"


def race(compute: Callable[[], str]) -> list[tuple[Any, float]]:
    """Each caller's answer and how long it took, all starting at once."""
    answers: list[tuple[Any, float]] = [(None, 0.0)] * CALLERS
    start = threading.Barrier(CALLERS)

    def ask(i: int) -> None:
        try:
            start.wait()
            began = time.monotonic()
            answers[i] = (get_or_compute(KEY, compute, 60), time.monotonic() - began)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_without_figures_one_caller_computes_and_the_others_wait_for_it():
    compute = Slow(0.5)
    answers = race(compute)
    assert compute.calls == 1
    assert [answer for answer, _ in answers] == ["computed 1"] * CALLERS


def test_with_stale_figures_one_caller_computes_and_the_others_are_answered_at_once():
    cache.set(KEPT, (time.time() - 1, "stale"), 60)
    compute = Slow(1.0)
    answers = race(compute)
    assert compute.calls == 1
    assert sorted(answer for answer, _ in answers) == ["computed 1"] + ["stale"] * (CALLERS - 1)
    assert all(seconds < 0.5 for answer, seconds in answers if answer == "stale")
    assert cache.get(KEPT)[1] == "computed 1"
