"""Complaints as the API represents them: a page of the staff list (`GET
/api/v1/complaints/`), and the detail as a page of one.

ComplaintSerializer writes each complaint from model instances: for a page of 50, a query
joining six tables (whose planning and hash joins were most of its time), a prefetch of some
200 clocks, about 400 instances and 1,000 parsed timestamps — three quarters of the
request. On PostgreSQL one SELECT writes the same representation instead: each complaint
as JSON text, the small tables it names joined, the complaint table and the links to it
read by key, its clocks aggregated in start order, every instant already in the agency's
zone; the statement is prepared, so it is planned once per connection. The text goes out
as it is: parsing it and writing it again was a tenth of a page.

The objects are the serializer's, key for key and value for value;
tests/pg/test_listing_sql.py compares the two on complaints in every state, with clocks in
every status, links, feedback, coordinates, and agencies east of, west of and at UTC.
Other databases use the serializer.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.http import HttpResponse
from rest_framework.utils.encoders import JSONEncoder

from api.exports.postgres import isoformat_sql
from api.serializers import ComplaintSerializer
from complaints.models import Complaint
from complaints.selectors import page_with_relations
from workflow.models import CLOCK_BREACH, CLOCK_STATUS


# Each complaint is written as JSON text by concatenation: json_build_object looks up how
# to write each of its 60 arguments on every row, and escapes text that cannot need it.
# Every part below is JSON for its value, null included, so no concatenation goes null.


def _text(sql: str) -> str:
    """Free text (or null): escaped as JSON."""
    return f"coalesce(to_json({sql})::text, 'null')"


def _code(sql: str) -> str:
    """A value of a fixed alphabet (a choice, a tracking number, a timestamp's text, a
    decimal's), or null: nothing in it to escape."""
    return f"coalesce('\"' || {sql} || '\"', 'null')"


def _number(sql: str) -> str:
    return f"coalesce(({sql})::text, 'null')"


def _instant(column: str) -> str:
    return _code(isoformat_sql(column, utc="Z"))  # as DRF's DateTimeField writes it


def _object(*pairs: tuple[str, str]) -> str:
    members = " || ',' || ".join(f"'\"{key}\":' || {sql}" for key, sql in pairs)
    return f"('{{' || {members} || '}}')"


def _one(table: str, value: str, where: str) -> str:
    """The value of the row of `table` (alias x) that `where` names, or null."""
    return f"coalesce((SELECT {value} FROM {table} x WHERE {where}), 'null')"


CLOCKS = f"""coalesce((SELECT '[' || string_agg({_object(
    ("name", _code("k.name")), ("cycle", _number("k.cycle")),
    ("duration", _number("k.duration")), ("unit", _code("k.unit")),
    ("started_at", _instant("k.started_at")), ("due_at", _instant("k.due_at")),
    ("status", _code(CLOCK_STATUS)), ("breached_at", _instant(CLOCK_BREACH)),
    ("stopped_at", _instant("k.stopped_at")), ("extended_by", _number("k.extended_by")),
)}, ',' ORDER BY k.started_at, k.id) || ']'
    FROM workflow_clock k WHERE k.complaint_id = c.id), '[]')"""

# ComplaintSerializer.Meta.fields, in order (checked below).
FIELDS = {
    "tracking_number": _code("c.tracking_number"), "state": _code("c.state"),
    "title": _text("c.title"), "description": _text("c.description"),
    "service": _object(("code", _text("s.code")), ("name", _text("s.name"))),
    "agency": _object(("code", _text("a.code")), ("name", _text("a.name"))),
    "unit": f"CASE WHEN u.id IS NULL THEN 'null' ELSE "
            f"{_object(('code', _text('u.code')), ('name', _text('u.name')))} END",
    # The name as get_full_name() gives it: str.strip() takes off what isspace() says.
    "assigned_to": _one("auth_user", _object(
        ("username", _text("x.username")),
        ("name", _text("btrim(x.first_name || ' ' || x.last_name, %(space)s)"))),
        "x.id = c.assignee_id"),
    "channel": _code("c.channel"), "visibility": _code("c.visibility"),
    "classification": _code("c.classification"), "complexity": _text("c.complexity"),
    # Decimals as text ("-6.200000"), as DRF's DecimalField(decimal_places=6) writes them.
    "location": _object(("text", _text("c.location_text")),
                        ("latitude", _code("c.latitude::text")),
                        ("longitude", _code("c.longitude::text"))),
    "standard_version": _number("st.version"),
    **{name: _instant(f"c.{name}") for name in (
        "received_at", "updated_at", "assigned_at", "first_answered_at", "responded_at",
        "closed_at")},
    "closure_reason": _code("c.closure_reason"),
    "rejection_reason": _code("c.rejection_reason"),
    "duplicate_of": _one("complaints_complaint", _code("x.tracking_number"),
                         "x.id = c.duplicate_of_id"),
    "referred_to": _one("complaints_complaint", _code("x.tracking_number"),
                        "x.id = c.referred_to_id"),
    "referred_to_agency": _text("c.referred_to_agency"),
    "pending_info_request": _text("c.pending_info_request"), "response": _text("c.response"),
    "dispute_count": _number("c.dispute_count"),
    "feedback": _one("complaints_feedback", _object(("rating", _number("x.rating")),
                                                    ("comment", _text("x.comment"))),
                     "x.complaint_id = c.id"),
    "sla": CLOCKS,
}
assert list(FIELDS) == ComplaintSerializer.Meta.fields

# What str.isspace() is true of: the characters str.strip() takes off.
PYTHON_SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" \
    + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _representation(fields: dict[str, str], keys: str) -> str:
    # The small tables are joined (a hash of a few hundred rows is cheaper than a lookup a
    # row); the complaint table and the rare links are read by key.
    return f"""SELECT c.id, {_object(*fields.items())}
FROM complaints_complaint c JOIN complaints_agency a ON a.id = c.agency_id
JOIN complaints_service s ON s.id = c.service_id
JOIN complaints_servicestandard st ON st.id = c.standard_id
LEFT JOIN complaints_agency u ON u.id = c.unit_id
WHERE {keys}"""


# Citizens see which unit handles their complaint, not which officer (for_reader). One
# complaint (a detail) has its own statement: the plan prepared for a page of them read
# one in three times the time (hashing the small tables for a single row).
REPRESENTATIONS = {
    (citizen, one): _representation(
        {key: sql for key, sql in FIELDS.items() if not (citizen and key == "assigned_to")},
        "c.id = %(key)s" if one else "c.id = ANY(%(keys)s)")
    for citizen in (False, True) for one in (False, True)
}


def page_json(keys: list[int], context: dict[str, Any]) -> list[str]:
    """The representations of the complaints `keys`, in their order, as ComplaintSerializer
    with `context` gives them, each as JSON text: on PostgreSQL the database's text goes
    out as it is, never parsed."""
    if not keys:
        return []
    connection = connections[Complaint.objects.db]
    if connection.vendor != "postgresql":
        data = ComplaintSerializer(page_with_relations(keys), many=True, context=context).data
        return [json.dumps(item, cls=JSONEncoder, ensure_ascii=False) for item in data]
    sql = REPRESENTATIONS[bool(context.get("citizen")), len(keys) == 1]
    with connection.cursor() as cursor:
        cursor.execute(sql, {"keys": keys, "key": keys[0], "now": context["now"],
                             "space": PYTHON_SPACE})
        found = dict(cursor.fetchall())
    return [found[key] for key in keys]


def with_members(text: str, members: dict[str, Any]) -> str:
    """The JSON object `text` with `members` added at its end."""
    added = "".join(f",{json.dumps(key)}:{json.dumps(value, cls=JSONEncoder, ensure_ascii=False)}"
                    for key, value in members.items())
    return f"{text.rstrip()[:-1]}{added}}}"


def json_response(text: str, status: int = 200) -> HttpResponse:
    """JSON text already written, as the API's JSON renderer would send it."""
    return HttpResponse(text, status=status, content_type="application/json")


def page_response(next_link: str | None, previous_link: str | None,
                  items: list[str]) -> HttpResponse:
    """A page of a cursor-paginated list, as DRF's CursorPagination answers, from its items'
    JSON texts."""
    return json_response(f'{{"next":{json.dumps(next_link)},"previous":'
                         f'{json.dumps(previous_link)},"results":[{",".join(items)}]}}')
