"""The change feed: every audit event, in an order a reader can follow without losing any.

Events are served in `(txid, id)` order strictly after the reader's cursor. An `id` cursor
alone loses events: ids are taken when a row is inserted, but become visible when their
transaction commits, so a transaction that took id 10 and commits after the one that took
id 11 appears behind a reader who has already moved past 11. On PostgreSQL every event
records its transaction id, and the feed serves only events of transactions older than every
transaction still running (`txid < pg_snapshot_xmin(pg_current_snapshot())`): those have all
finished, so no event can later appear at or before a cursor already handed out. On SQLite
writers take turns (`transaction_mode=IMMEDIATE`), `txid` is 0, and id order is commit order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework import exceptions, status

from api.exports.complaints import json_line
from api.serializers import EventSerializer
from complaints.selectors import complaints_visible_to, scope_filter
from workflow.models import Event
from workflow.permissions import Actor

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
# Both parts are PostgreSQL bigints: at most 19 digits, no leading zeros, no sign.
_CURSOR = re.compile(r"(0|[1-9][0-9]{0,18})-(0|[1-9][0-9]{0,18})")
_BIGINT_MAX = 2**63 - 1
# Events of transactions older than every transaction still running.
_FINISHED = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


class InvalidCursor(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_cursor"
    default_detail = "`after` must be a cursor given by this feed (next_cursor or an " \
                     "event's cursor)."


class Cursor(NamedTuple):
    txid: int
    id: int

    def __str__(self) -> str:
        return f"{self.txid}-{self.id}"


START = Cursor(0, 0)


def parse_cursor(value: str | None) -> Cursor:
    """The cursor a client sent back; absent means from the beginning. Anything that is not
    exactly a cursor this feed could have given is refused, never guessed at."""
    if value is None:
        return START
    match = _CURSOR.fullmatch(value)
    if match is None:
        raise InvalidCursor()
    txid, pk = int(match[1]), int(match[2])
    if txid > _BIGINT_MAX or pk > _BIGINT_MAX:
        raise InvalidCursor()
    return Cursor(txid, pk)


def event_cursor(event: Event) -> Cursor:
    return Cursor(event.txid, event.pk)


def visible_events(actor: Actor) -> QuerySet[Event]:
    """Events of the complaints `actor` may read (complaints_visible_to)."""
    scope = scope_filter(actor)
    if scope is None:
        return Event.objects.none()
    if not scope:
        # Q(): every complaint (ombudsman, administrator). Skip the semi-join over them all.
        return Event.objects.all()
    return Event.objects.filter(complaint__in=complaints_visible_to(actor).values("pk"))


def _after(cursor: Cursor) -> Q:
    # `txid >= …` first, so PostgreSQL starts the (txid, id) index scan at the cursor.
    return Q(txid__gte=cursor.txid) & (Q(txid__gt=cursor.txid) | Q(id__gt=cursor.id))


def _up_to(cursor: Cursor) -> Q:
    return Q(txid__lte=cursor.txid) & (Q(txid__lt=cursor.txid) | Q(id__lte=cursor.id))


def page_end(events: QuerySet[Event], after: Cursor, limit: int) -> Cursor | None:
    """The cursor of the last event of the next page, or None when there is none yet.

    Fixing the end first lets the response say where the next page starts before it
    streams, and makes the page itself stable: every event up to the end belongs to a
    finished transaction, so the second read finds exactly the same events."""
    page = events.filter(_after(after))
    if connections[events.db].vendor == "postgresql":
        page = page.filter(txid__lt=RawSQL(_FINISHED, []))
    ids = page.order_by("txid", "id").values("pk")[:limit]
    last = (Event.objects.filter(pk__in=ids).order_by("-txid", "-id")
            .values_list("txid", "id").first())
    return Cursor(*last) if last else None


def page_events(events: QuerySet[Event], after: Cursor, end: Cursor) -> QuerySet[Event]:
    return (events.filter(_after(after) & _up_to(end)).order_by("txid", "id")
            .select_related("complaint")
            .only("txid", "seq", "action", "actor_label", "role", "occurred_at",
                  "from_state", "to_state", "payload", "prev_hash", "hash",
                  "complaint__tracking_number"))


def feed_lines(events: QuerySet[Event], after: Cursor, end: Cursor | None) -> Iterator[str]:
    """One JSON line per event, then `{"next_cursor": …}`: a response without that last
    line was cut short, and the events before it can still be kept (each carries its own
    cursor)."""
    if end is not None:
        for event in page_events(events, after, end).iterator(chunk_size=DEFAULT_LIMIT):
            yield json_line(event_line(event))
    yield json_line({"next_cursor": str(end or after)})


def event_line(event: Event) -> dict[str, Any]:
    return {**EventSerializer(event).data, "cursor": str(event_cursor(event))}
