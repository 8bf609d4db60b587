"""New public statistics questions computed at once on one database, among every app-server
process (config.cache.Slots, STATISTICS_COMPUTATIONS). Another process computing is another
PostgreSQL session holding one of the slots' advisory locks, as `Slots` takes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DataError, connection
from django.test import Client, override_settings

from config.cache import get_or_compute
from tests.reliability.processes import connect
from workflow.stats import PUBLIC_COMPUTATIONS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

API, PAGE = "/api/v1/stats/", "/statistik/"


class Computing:
    """Another process computing a public question: a session of its own holding `slot`
    until it ends."""

    def __init__(self, slot: int) -> None:
        self.conn = connect(connection.settings_dict["NAME"], autocommit=False)
        self.conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                          [PUBLIC_COMPUTATIONS.lock_class, slot])

    def end(self) -> None:
        self.conn.rollback()
        self.conn.close()


@pytest.fixture
def computing() -> Iterator[Callable[[int], Computing]]:
    started: list[Computing] = []

    def start(slot: int) -> Computing:
        started.append(Computing(slot))
        return started[-1]

    yield start
    for other in started:
        if not other.conn.closed:
            other.end()


@pytest.fixture
def asked(world: Any, submit: Any) -> Callable[[str], Any]:
    """A new question to the API or the page (a date range no one asked), answered now."""
    submit()
    cache.clear()
    client = Client()
    days = iter(range(1, 29))

    def ask(path: str) -> Any:
        return client.get(path, {"received_after": f"2026-01-{next(days):02d}"},
                          HTTP_ACCEPT_LANGUAGE="en")

    return ask


def slots_held() -> list[tuple[int, int]]:
    """The public statistics' slots held now, by any session: (slot, its session's pid)."""
    with connect(connection.settings_dict["NAME"]) as other:
        return other.execute(
            "SELECT objid::int, pid FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s::oid AND granted ORDER BY objid",
            [PUBLIC_COMPUTATIONS.lock_class]).fetchall()


def test_a_new_question_waits_while_another_process_computes(asked, computing):
    other = computing(0)
    busy_api, busy_page = asked(API), asked(PAGE)
    assert busy_api.status_code == 503 and busy_api["Retry-After"] == "5"
    assert busy_api.json()["error"]["code"] == "statistics_busy"
    assert busy_page.status_code == 503
    assert "Ask again in 5 seconds." in busy_page.content.decode()
    other.end()
    assert asked(API).status_code == 200
    assert asked(PAGE).status_code == 200


def test_the_setting_says_how_many_processes_compute_at_once(asked, computing):
    computing(0)
    with override_settings(STATISTICS_COMPUTATIONS=2):
        assert asked(API).status_code == 200  # in the second slot
        computing(1)
        assert asked(API).status_code == 503
    with override_settings(STATISTICS_COMPUTATIONS=3):
        assert asked(PAGE).status_code == 200


def test_a_slot_is_held_while_its_question_is_computed_and_freed_however_it_ends(db):
    mine = connection.cursor().connection.info.backend_pid
    assert get_or_compute("figures:slot", slots_held, 60, PUBLIC_COMPUTATIONS) == [(0, mine)]
    assert slots_held() == []

    def fail() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the transaction around it is aborted

    with pytest.raises(DataError):
        get_or_compute("figures:failed", fail, 60, PUBLIC_COMPUTATIONS)
    assert slots_held() == []
    # The failure left nothing behind: the process's slot is free, and the database's.
    assert get_or_compute("figures:after", slots_held, 60, PUBLIC_COMPUTATIONS) == [(0, mine)]
