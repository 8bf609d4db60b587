"""`bench.run --db-rtt` (bench/network.py) delays each round trip to PostgreSQL once, as a
network would, and nothing that is not one: docs/performance.md's finding 27 rests on it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from bench import network

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slept(monkeypatch):
    """What bench.network sleeps, in seconds, from an open connection on."""
    connection.ensure_connection()
    seconds: list[float] = []
    monkeypatch.setattr(network, "time", SimpleNamespace(sleep=seconds.append))
    return seconds


@pytest.fixture
def delays(slept):
    """The same, with every round trip delayed by a millisecond."""
    restore = network.delay_round_trips(0.001)
    yield slept
    restore()


def run(*sql: str) -> None:
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
            cursor.fetchall()


def test_a_statement_in_autocommit_is_one_round_trip(delays):
    run("SELECT 101")
    assert delays == [0.001]


def test_a_transaction_is_begin_its_statements_and_commit(delays):
    with transaction.atomic():
        run("SELECT 201")
        assert delays == [0.001] * 2  # BEGIN goes out before the first statement
        run("SELECT 202")
    assert delays == [0.001] * 4  # and COMMIT


def test_a_savepoint_and_its_release_are_round_trips(delays):
    with transaction.atomic():
        run("SELECT 301")
        with transaction.atomic():
            run("SELECT 302")
    # BEGIN, statement, SAVEPOINT, statement, RELEASE, COMMIT
    assert len(delays) == 6


def test_a_server_side_cursor_waits_for_each_batch(delays):
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute("SELECT generate_series(1, 10)")
        assert len(cursor.fetchmany(5)) == 5
        assert len(cursor.fetchmany(5)) == 5
        assert cursor.fetchmany(5) == []
    # BEGIN, DECLARE, describing its columns, three FETCHes, CLOSE, COMMIT
    assert len(delays) == 8


def test_nothing_is_delayed_once_restored(slept):
    restore = network.delay_round_trips(0.001)
    restore()
    run("SELECT 501")
    assert slept == []
