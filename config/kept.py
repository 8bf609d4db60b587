"""Values each process keeps for itself, under keys naming everything a value is made of: the
HTML of a form's field, of a page's frame, the SQL of an actor's scope (docs/performance.md,
findings 34, 60 and 61). Nothing to expire: a value changes only with its key."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

V = TypeVar("V")


def kept(store: dict[Hashable, V], limit: int, key: Hashable, make: Callable[[], V]) -> V:
    """`store[key]`, made by `make` the first time. A store already holding `limit` values is
    emptied first: keys that name people or their grants keep coming, and a process keeps
    at most `limit` values however long it lives."""
    try:
        return store[key]
    except KeyError:
        pass
    value = make()
    if len(store) >= limit:
        store.clear()
    store[key] = value
    return value
