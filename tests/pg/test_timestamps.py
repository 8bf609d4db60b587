"""PostgreSQL connections read timestamps with psycopg's C loader (config.database), giving
what Django's own loader gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

pytestmark = pytest.mark.postgres

VALUES = ["2026-11-27 23:14:02.123456+00", "2026-11-27 06:00:00+07", "9999-12-31 00:00:00+00",
          "0001-01-01 00:00:00+00", "2024-02-29 12:00:00.000001-03"]


def read(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def test_every_cursor_uses_the_c_loader(db):
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, Format.TEXT)
    assert loader.__qualname__ == "use_fast_timestamps.<locals>.Loader"
    assert not issubclass(loader, BaseTzLoader)


@pytest.mark.parametrize("text", VALUES)
def test_values_are_djangos(db, text):
    value = read(text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        (as_text,) = cursor.fetchone()
    django = type("Django", (BaseTzLoader,), {"timezone": dt.UTC})(1184, None)
    assert value == django.load(as_text.encode())
    assert value.tzinfo is dt.UTC


def test_a_value_python_cannot_hold_is_a_data_error(db):
    with pytest.raises(DataError):
        read("infinity")


def test_in_utc_a_value_is_read_without_a_python_frame(db):
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, Format.TEXT)(1184, cursor.cursor)
    # The C loader's own method, not the labelling one: its values are already Django's.
    assert type(loader.load.__self__).__module__.startswith(("psycopg_binary", "psycopg_c"))
    assert loader.load(b"2026-11-27 06:00:00+07") == dt.datetime(2026, 11, 26, 23, tzinfo=dt.UTC)
