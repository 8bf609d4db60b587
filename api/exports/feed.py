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

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from rest_framework import exceptions, status

from api.exports.complaints import json_line
from complaints.selectors import complaints_visible_to, scope_filter
from workflow.audit import format_time
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


def visible_events(actor: Actor) -> QuerySet[Event]:
    """Events of the complaints `actor` may read (complaints_visible_to)."""
    scope = scope_filter(actor)
    if scope is None:
        return Event.objects.none()
    if not scope:
        # Q(): every complaint (ombudsman, administrator). Skip the semi-join over them all.
        return Event.objects.all()
    return Event.objects.filter(complaint__in=complaints_visible_to(actor).values("pk"))


def _row_compare(operator: str, cursor: Cursor) -> RawSQL:
    # One row comparison is one range on the (txid, id) index; the equivalent AND/OR of
    # columns is planned as a BitmapOr that reads far more than the page.
    return RawSQL(f'("workflow_event"."txid", "workflow_event"."id") {operator} (%s, %s)',
                  [cursor.txid, cursor.id], output_field=BooleanField())


def _after(events: QuerySet[Event], after: Cursor) -> QuerySet[Event]:
    return events.filter(_row_compare(">", after))


# The keys of a feed line, in order: the fields of an event (EventSerializer), then its cursor.
LINE_FIELDS = ("tracking_number", "seq", "action", "actor", "role", "occurred_at",
               "from_state", "to_state", "payload", "prev_hash", "hash")


class JSONText(Func):
    """A JSON object written as text, with json.dumps's separators: `{"key": value, …}`,
    each value given as SQL that yields its JSON text. (json_build_object looks up the type
    of each argument on every row; none of these values needs it.)"""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = TextField()

    def __init__(self, **values: Any) -> None:
        parts: list[Any] = []
        for i, (key, value) in enumerate(values.items()):
            parts += [Value(("{" if i == 0 else ", ") + json.dumps(key) + ": "), value]
        super().__init__(*parts, Value("}"))


def _quoted(*expressions: Any, joiner: str = "") -> Func:
    # Text of a fixed alphabet (codes, hashes, instants): a JSON string as it is.
    return Func(*expressions, arg_joiner=f" || '{joiner}' || " if joiner else " || ",
                template="('\"' || %(expressions)s || '\"')", output_field=TextField())


def _line_sql() -> JSONText:
    """The line of one event, byte for byte the json_line of the Python path."""
    return JSONText(
        tracking_number=_quoted(F("complaint__tracking_number")),
        seq=Cast("seq", TextField()),
        action=_quoted(F("action")),
        # Free text: to_json escapes it as json.dumps does.
        actor=Func(F("actor_label"), template="to_json(%(expressions)s)::text",
                   output_field=TextField()),
        role=_quoted(F("role")),
        # workflow.audit.format_time, in SQL.
        occurred_at=_quoted(Func(F("occurred_at"), template=(
            "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"),
            output_field=TextField())),
        from_state=_quoted(F("from_state")), to_state=_quoted(F("to_state")),
        # jsonb's text has json.dumps's separators and its key order, as Django loads it.
        payload=Cast("payload", TextField()),
        prev_hash=_quoted(F("prev_hash")), hash=_quoted(F("hash")),
        cursor=_quoted(Cast("txid", TextField()), Cast("id", TextField()), joiner="-"),
    )


class Page(NamedTuple):
    lines: list[str]
    end: Cursor | None  # the cursor of its last event; None when there is none yet


def read_page(events: QuerySet[Event], after: Cursor, limit: int) -> Page:
    """The next page: up to `limit` events after the cursor, in (txid, id) order, read in
    one walk of the (txid, id) index from the cursor. On PostgreSQL only events of finished
    transactions are read, so none can later appear at or before the page's end, and the
    database writes each line (LINE_FIELDS and the cursor, in that order); the page comes in
    one round trip, joined into one piece of text (it is at most MAX_LIMIT events)."""
    page = _after(events, after)
    if connections[events.db].vendor == "postgresql":
        page = page.filter(txid__lt=RawSQL(_FINISHED, [])).order_by("txid", "id")[:limit]
        lines = list(page.values_list(_line_sql(), flat=True))
        if not lines:
            return Page([], None)
        # The end is the last event's cursor, which ends its line.
        return Page(["\n".join(lines) + "\n"],
                    parse_cursor(json.loads(lines[-1])["cursor"]))
    rows = list(page.order_by("txid", "id")[:limit].values_list(
        "complaint__tracking_number", "seq", "action", "actor_label", "role", "occurred_at",
        "from_state", "to_state", "payload", "prev_hash", "hash", "txid", "id"))
    lines = [json_line({**dict(zip(LINE_FIELDS, row[:11], strict=True)),
                        "occurred_at": format_time(row[5]),
                        "cursor": str(Cursor(row[11], row[12]))}) for row in rows]
    return Page(lines, Cursor(*rows[-1][11:]) if rows else None)


def feed_lines(page: Page, after: Cursor) -> Iterator[str]:
    """One JSON line per event, then `{"next_cursor": …}`: a response without that last
    line was cut short, and the events before it can still be kept (each carries its own
    cursor)."""
    yield from page.lines
    yield json_line({"next_cursor": str(page.end or after)})
