"""The complaint export written by PostgreSQL: the same lines as api.exports.complaints
builds in Python, rendered by the database.

Building a record in Python costs about ten model instances and thirty parsed timestamps a
row (≈ 2,000 rows/s); PostgreSQL renders the same line from the same joins at half to three
quarters of the speed of its own COPY of the values (docs/performance.md, finding 33). Each
line is one text column of one SELECT, sent by `COPY (SELECT …) TO STDOUT` in binary format
(the text as it is, none of COPY's text escaping): PostgreSQL streams the lines while they
are passed on, a chunk at a time, so memory stays flat whatever the size.

The lines are those of the Python path, byte for byte; tests/pg/test_export_sql.py compares
the two on data that exercises every rule of both formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet

from api.exports.complaints import (
    CLOCK_FIELDS,
    COMPLAINT_COLUMNS,
    CSV_HEADER,
    FORMULA_TRIGGERS,
    TRAILING_COLUMNS,
    chunk_size,
)
from complaints.models import Complaint
from workflow.models import CLOCK_BREACH, CLOCK_STATUS
from workflow.states import ClockName


def isoformat_sql(column: str, utc: str = "+00:00", zone: str = "a.time_zone") -> str:
    """`column` as Python's isoformat() in the agency's zone (the column `zone`): seconds,
    microseconds only when there are any, and the offset (+07:00) the zone had at that
    instant, `utc` for an offset of zero (DRF writes Z). Written so that each part is
    computed once: PostgreSQL does not share repeated subexpressions."""
    local = f"({column} AT TIME ZONE {zone})"
    offset = (f"replace('+' || to_char({local} - ({column} AT TIME ZONE 'UTC'), 'HH24:MI'),"
              f" '+-', '-')")
    if utc != "+00:00":
        offset = f"replace({offset}, '+00:00', '{utc}')"
    return (f"(replace(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
            f" || {offset})")

def _csv_cell(text: str, kind: str) -> str:
    """A text cell as api.exports.complaints writes it: a would-be formula gets a leading
    apostrophe, then csv.writer's minimal quoting; NULL is an empty cell. Free text needs
    both; a slug or a username cannot hold a quote, comma or line break, only begin like a
    formula; a value of a fixed alphabet (a choice, a tracking number, a hash) needs neither.
    This is most of the database's work for a row, so each cell gets only what it can need."""
    if kind == CODE:
        return f"coalesce({text}, '')"
    # ascii() is the first character's code (0 for ''): integers compare for less than text.
    codes = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)
    safe = f"(CASE WHEN ascii({text}) IN ({codes}) THEN '''' || {text} ELSE {text} END)"
    if kind == SLUG:
        return f"coalesce({safe}, '')"
    # The apostrophe needs no quoting, so the text as it is tells whether the cell needs
    # quotes, and the cell is written once either way (PostgreSQL computes a repeated
    # expression each time). strpos rather than a regular expression: several times cheaper.
    special = " OR ".join(f"strpos({text}, {char}) > 0"
                          for char in ("'\"'", "','", "E'\\n'", "E'\\r'"))
    return (f"coalesce(CASE WHEN {special} "
            f"THEN '\"' || replace({safe}, '\"', '\"\"') || '\"' ELSE {safe} END, '')")


def _value(expression: str) -> str:
    """A number or an instant: never quoted, never a formula."""
    return f"coalesce(({expression})::text, '')"


# Each column of COMPLAINT_COLUMNS: (SQL in the FROM clause's aliases, kind). TEXT is free
# text; SLUG a SlugField or a username (letters, digits and @.+-_); CODE a value of a fixed
# alphabet; NUMBER a number; VALUE a decimal's text; INSTANT a timestamp, written in the
# agency's zone. Instants and decimals go out as strings.
TEXT, SLUG, CODE, NUMBER, VALUE, INSTANT = "text", "slug", "code", "number", "value", "instant"
COLUMNS = {
    "tracking_number": ("c.tracking_number", CODE), "state": ("c.state", CODE),
    "agency_code": ("a.code", SLUG), "agency_name": ("a.name", TEXT),
    "unit_code": ("u.code", SLUG), "service_code": ("s.code", SLUG),
    "service_name": ("s.name", TEXT), "standard_version": ("st.version", NUMBER),
    "channel": ("c.channel", CODE), "visibility": ("c.visibility", CODE),
    "classification": ("c.classification", CODE), "complexity": ("c.complexity", SLUG),
    "title": ("c.title", TEXT), "description": ("c.description", TEXT),
    "location_text": ("c.location_text", TEXT),
    # Decimals go out as text ("-6.200000"), as the Python path writes them.
    "latitude": ("c.latitude::text", VALUE), "longitude": ("c.longitude::text", VALUE),
    "assignee": ("au.username", SLUG),
    **{name: (f"c.{name}", INSTANT) for name in (
        "received_at", "assigned_at", "first_answered_at", "responded_at", "closed_at",
        "updated_at")},
    "closure_reason": ("c.closure_reason", CODE),
    "rejection_reason": ("c.rejection_reason", CODE),
    "duplicate_of": ("d.tracking_number", CODE), "referred_to": ("r.tracking_number", CODE),
    "referred_to_agency": ("c.referred_to_agency", TEXT),
    "dispute_count": ("c.dispute_count", NUMBER), "feedback_rating": ("f.rating", NUMBER),
    "feedback_comment": ("f.comment", TEXT),
}
assert tuple(COLUMNS) == COMPLAINT_COLUMNS

# For each clock, the kind of each field of its latest cycle; kc (the lateral join below)
# has them as "<clock>_<field>".
CLOCK_COLUMNS = {"due_at": INSTANT, "status": CODE, "breached_at": INSTANT, "cycles": NUMBER}
assert tuple(CLOCK_COLUMNS) == CLOCK_FIELDS

TRAILING = {"events_count": NUMBER, "last_event_hash": CODE}  # from ev
assert tuple(TRAILING) == TRAILING_COLUMNS


def _clocks_lateral() -> str:
    """Every clock's latest cycle, with its status and breach at %(now)s, as one row of
    kc: the complaint's clocks are read once, in one index range (a lookup of each clock by
    name descended an index six times a complaint). Cycles are numbered from 1, so the
    latest cycle's number is how many it ran (0 for a clock that never started, whose other
    fields are NULL)."""
    columns = []
    for name in ClockName.values:
        latest = f"FILTER (WHERE k.name = '{name}' AND k.latest)"
        columns += [f"max(k.due_at) {latest} AS {name}_due_at",
                    f"max(k.status) {latest} AS {name}_status",
                    f"max(k.breached_at) {latest} AS {name}_breached_at",
                    f"coalesce(max(k.cycle) FILTER (WHERE k.name = '{name}'), 0)"
                    f" AS {name}_cycles"]
    selected = ",\n           ".join(columns)
    return f"""CROSS JOIN LATERAL (
    SELECT {selected}
    FROM (SELECT k.name, k.cycle, k.due_at, {CLOCK_STATUS} AS status,
                 {CLOCK_BREACH} AS breached_at,
                 k.cycle = max(k.cycle) OVER (PARTITION BY k.name) AS latest
          FROM workflow_clock k WHERE k.complaint_id = c.id) k
) kc"""


def _column(name: str, kind: str) -> tuple[str, str]:
    """The SQL and kind of the value of the column `name` of the sorted rows (_select): an
    instant as its text in the agency's zone, anything else as it is."""
    sql = f'"{name}"'
    return (isoformat_sql(sql, zone='"time_zone"'), VALUE) if kind == INSTANT else (sql, kind)


def _csv_line() -> str:
    def cell(name: str, kind: str) -> str:
        sql, kind = _column(name, kind)
        return _value(sql) if kind in (NUMBER, VALUE) else _csv_cell(sql, kind)

    cells = [cell(key, kind) for key, (_sql, kind) in COLUMNS.items()]
    for clock in ClockName.values:
        cells += [cell(f"{clock}_{field}", kind) for field, kind in CLOCK_COLUMNS.items()]
    cells += [cell(key, kind) for key, kind in TRAILING.items()]
    return f"concat_ws(',', {', '.join(cells)}) || E'\\r\\n'"


def _json_value(sql: str, kind: str) -> str:
    """A JSON value as json.dumps writes it. Only free text and slugs can need escaping
    (to_json); codes, instants and decimals are quoted as they are, numbers bare. Written as
    text rather than with json_build_object, which looks up each argument's type on every
    row and was most of the database's work for a JSON line."""
    if kind == NUMBER:
        return f"coalesce(({sql})::text, 'null')"
    if kind in (TEXT, SLUG):
        return f"coalesce(to_json({sql})::text, 'null')"
    return f"coalesce('\"' || ({sql}) || '\"', 'null')"


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """`pairs` of a key and the SQL of its JSON text, as one object with json.dumps's
    separators."""
    parts = [f"'{'{' if i == 0 else ', '}\"{key}\": ' || {value}"
             for i, (key, value) in enumerate(pairs)]
    return "(" + " || ".join(parts) + " || '}')"


def _jsonl_line() -> str:
    def value(name: str, kind: str) -> str:
        return _json_value(*_column(name, kind))

    sla = _json_object([
        (clock, _json_object([(field, value(f"{clock}_{field}", kind))
                              for field, kind in CLOCK_COLUMNS.items()]))
        for clock in ClockName.values])
    pairs = [(key, value(key, kind)) for key, (_sql, kind) in COLUMNS.items()]
    pairs.append(("sla", sla))
    pairs += [(key, value(key, kind)) for key, kind in TRAILING.items()]
    return _json_object(pairs) + " || E'\\n'"


def complaint_joins(complaints: str = "complaints_complaint") -> str:
    """`complaints` (the table, or a subquery of some of its rows) as c, with everything a
    row names under the aliases COLUMNS uses (the COPY baseline of bench/queries.py reads
    the same). The complaints come first: with more tables than `join_collapse_limit`,
    PostgreSQL joins them in the order written, so a filter written after the joins would
    look up every complaint's clocks and events before choosing the few it keeps."""
    return f"""FROM {complaints} c
JOIN complaints_agency a ON a.id = c.agency_id
LEFT JOIN complaints_agency u ON u.id = c.unit_id
JOIN complaints_service s ON s.id = c.service_id
JOIN complaints_servicestandard st ON st.id = c.standard_id
LEFT JOIN auth_user au ON au.id = c.assignee_id
LEFT JOIN complaints_complaint d ON d.id = c.duplicate_of_id
LEFT JOIN complaints_complaint r ON r.id = c.referred_to_id
LEFT JOIN complaints_feedback f ON f.complaint_id = c.id
"""


def _select(line: str, complaints: str = "complaints_complaint") -> str:
    """Each line (`line`, the SQL of a line written from the sorted rows' columns) of
    `complaints`, in the export's order. The clocks and events are looked up in the order
    PostgreSQL reads the complaints (OFFSET 0 keeps the lookups below the sort): looked up
    in `updated_at` order they would jump across the clock and event tables, which at five
    million complaints no longer fit in memory (docs/performance.md, finding 32). The rows
    are sorted as values, each under its column's name, and the lines written from the
    sorted rows: a line is two to three times the size of its values, and sorting and
    sending finished lines took a third of the database's time (finding 33). The sort sits
    in a subquery of its own so that the lines are written above it; the outer ORDER BY,
    which the sorted rows already satisfy, keeps their order."""
    values = ", ".join(f'{sql} AS "{key}"' for key, (sql, _kind) in COLUMNS.items())
    return f"""SELECT {line} FROM (
SELECT * FROM (
SELECT {values}, a.time_zone, kc.*, ev.*, c.id
{complaint_joins(complaints)}{_clocks_lateral()}
CROSS JOIN LATERAL (
    SELECT count(*) AS events_count,
           (SELECT e.hash FROM workflow_event e WHERE e.complaint_id = c.id
            ORDER BY e.seq DESC LIMIT 1) AS last_event_hash
    FROM workflow_event e WHERE e.complaint_id = c.id
) ev
OFFSET 0
) rows
ORDER BY "updated_at", id
) sorted
ORDER BY "updated_at", id"""


LINES = {"csv": _csv_line(), "jsonl": _jsonl_line()}


def select(complaints: QuerySet[Complaint], now: dt.datetime, kind: str) -> str | None:
    """The SELECT of the lines of `kind` of `complaints` (scoped and filtered, in any order)
    at `now`, its parameters written in (COPY takes no bound parameters); None when the
    filter can select nothing."""
    table, params = "complaints_complaint", {"now": now}
    if complaints.query.where:
        # Everyone but the ombudsman without filters: the complaints the queryset selects.
        try:
            inner, inner_params = complaints.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. a filter by an agency that does not exist
            return None
        names = [f"p{i}" for i in range(len(inner_params))]
        # Its positional placeholders become named ones; its literal %% stay as they are.
        named = inner.replace("%%", "\x00") % tuple(f"%({n})s" for n in names)
        table = ("(SELECT * FROM complaints_complaint WHERE id IN ("
                 + named.replace("\x00", "%%") + "))")
        params.update(zip(names, inner_params, strict=True))
    return connections[complaints.db].ops.compose_sql(_select(LINES[kind], table), params)


def lines(complaints: QuerySet[Complaint], now: dt.datetime, kind: str) -> Iterator[str]:
    """The export of `complaints` (scoped and filtered, in any order) as lines of `kind`
    ("csv", with its header, or "jsonl"), a chunk of lines at a time."""
    if kind == "csv":
        yield "\ufeff" + ",".join(CSV_HEADER) + "\r\n"
    statement = select(complaints, now, kind)
    if statement is None:
        return
    db = complaints.db
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        # One statement for the whole export, minutes for millions of complaints: the app
        # servers' statement timeout is for the requests they answer, whether it comes from
        # DB_STATEMENT_TIMEOUT or from the database (a role's setting, a pooler's
        # connect_query). Lifted for this transaction only, so the connection keeps its own,
        # and behind a pooler the lifting stays with the statement it is for.
        cursor.execute("SET LOCAL statement_timeout = 0")
        with cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT binary)") as copy:
            copy.set_types(["text"])
            lines: list[str] = []
            for (line,) in copy.rows():
                lines.append(line)
                if len(lines) == chunk_size():
                    yield "".join(lines)
                    lines = []
            yield "".join(lines)
