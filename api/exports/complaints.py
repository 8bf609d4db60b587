"""The complaint export: one record per complaint, as CSV rows or JSON lines.

Rows are read with `.iterator(chunk_size=…)` in `(updated_at, id)` order; Django runs the
clock prefetch once per chunk, so memory stays constant and the number of queries grows with
the number of chunks, never with the number of rows. Everything else a row needs (agency,
service, unit, feedback, the assignee's username, linked tracking numbers, the event count
and the last event hash) comes in the same query as the complaint.

The reporter's identity is never exported: see docs/ombudsman.md ("Identity").
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from complaints.models import Complaint
from workflow.models import Clock, Event
from workflow.states import ClockName


# Every column of the CSV, in order; the JSON lines carry the same keys, with the clock
# columns nested as `sla.<clock>.<field>` instead of `<clock>_<field>`.
COMPLAINT_COLUMNS = (
    "tracking_number", "state", "agency_code", "agency_name", "unit_code", "service_code",
    "service_name", "standard_version", "channel", "visibility", "classification",
    "complexity", "title", "description", "location_text", "latitude", "longitude",
    "assignee", "received_at", "assigned_at", "first_answered_at", "responded_at",
    "closed_at", "updated_at", "closure_reason", "rejection_reason", "duplicate_of",
    "referred_to", "referred_to_agency", "dispute_count", "feedback_rating",
    "feedback_comment",
)
CLOCK_FIELDS = ("due_at", "status", "breached_at", "cycles")
TRAILING_COLUMNS = ("events_count", "last_event_hash")
CSV_HEADER = (
    *COMPLAINT_COLUMNS,
    *(f"{clock}_{field}" for clock in ClockName.values for field in CLOCK_FIELDS),
    *TRAILING_COLUMNS,
)

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, as the start of one); OWASP "CSV Injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Lines are sent in pieces of about this many characters, not one write per row.
SEND_SIZE = 64 * 1024


def chunk_size() -> int:
    return settings.EXPORT_CHUNK_SIZE


def export_queryset(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """`complaints` (already scoped and filtered) with what a record needs, in key order."""
    events = Event.objects.filter(complaint=OuterRef("pk")).order_by()
    count = events.values("complaint").annotate(n=Count("pk")).values("n")
    last_hash = events.order_by("-seq").values("hash")[:1]
    return (
        complaints.select_related("agency", "service", "standard", "unit", "feedback")
        .defer("access_token_hash", "response", "pending_info_request")
        .prefetch_related(Prefetch("clocks", queryset=Clock.objects.order_by("name", "cycle")))
        .annotate(
            assignee_username=F("assignee__username"),
            duplicate_of_number=F("duplicate_of__tracking_number"),
            referred_to_number=F("referred_to__tracking_number"),
            events_count=Coalesce(Subquery(count, output_field=IntegerField()), 0),
            last_event_hash=Subquery(last_hash),
        )
        # Incremental pulls (`updated_since`) resume from the last `updated_at` they saw.
        .order_by("updated_at", "id")
    )


def lines(complaints: QuerySet[Complaint], now: dt.datetime, kind: str) -> Iterator[str]:
    """The export of `complaints` as `kind` ("csv" or "jsonl"). On PostgreSQL the database
    writes the same lines (api.exports.postgres); elsewhere they are built here, record by
    record."""
    if connections[complaints.db].vendor == "postgresql":
        from api.exports import postgres  # it reads this module's columns and formats

        return postgres.lines(complaints, now, kind)
    records = complaint_records(complaints, now)
    return csv_lines(records) if kind == "csv" else jsonl_lines(records)


def complaint_records(complaints: QuerySet[Complaint], now: dt.datetime
                      ) -> Iterator[dict[str, Any]]:
    for complaint in export_queryset(complaints).iterator(chunk_size=chunk_size()):
        yield complaint_record(complaint, now)


def complaint_record(complaint: Complaint, now: dt.datetime) -> dict[str, Any]:
    zone = complaint.agency.zone
    feedback = getattr(complaint, "feedback", None)
    return {
        "tracking_number": complaint.tracking_number,
        "state": complaint.state,
        "agency_code": complaint.agency.code,
        "agency_name": complaint.agency.name,
        "unit_code": complaint.unit.code if complaint.unit_id else None,
        "service_code": complaint.service.code,
        "service_name": complaint.service.name,
        "standard_version": complaint.standard.version,
        "channel": complaint.channel,
        "visibility": complaint.visibility,
        "classification": complaint.classification,
        "complexity": complaint.complexity,
        "title": complaint.title,
        "description": complaint.description,
        "location_text": complaint.location_text,
        "latitude": complaint.latitude,
        "longitude": complaint.longitude,
        "assignee": complaint.assignee_username,  # type: ignore[attr-defined]
        **{name: local_time(getattr(complaint, name), zone) for name in (
            "received_at", "assigned_at", "first_answered_at", "responded_at", "closed_at",
            "updated_at")},
        "closure_reason": complaint.closure_reason,
        "rejection_reason": complaint.rejection_reason,
        "duplicate_of": complaint.duplicate_of_number,  # type: ignore[attr-defined]
        "referred_to": complaint.referred_to_number,  # type: ignore[attr-defined]
        "referred_to_agency": complaint.referred_to_agency,
        "dispute_count": complaint.dispute_count,
        "feedback_rating": feedback.rating if feedback else None,
        "feedback_comment": feedback.comment if feedback else None,
        "sla": clock_summaries(complaint.clocks.all(), now, zone),
        "events_count": complaint.events_count,  # type: ignore[attr-defined]
        "last_event_hash": complaint.last_event_hash,  # type: ignore[attr-defined]
    }


def clock_summaries(clocks: Iterable[Clock], now: dt.datetime, zone: ZoneInfo
                    ) -> dict[str, dict[str, Any]]:
    """Each of the six clocks: its latest cycle's deadline, status and breach, and how many
    cycles it ran; a clock that never started has no deadline and 0 cycles."""
    latest: dict[str, Clock] = {}
    cycles: dict[str, int] = {}
    for clock in clocks:  # ordered by name, cycle
        latest[clock.name] = clock
        cycles[clock.name] = cycles.get(clock.name, 0) + 1
    summaries = {}
    for name in ClockName.values:
        clock = latest.get(name)
        if clock is None:
            summaries[name] = {"due_at": None, "status": None, "breached_at": None, "cycles": 0}
            continue
        summaries[name] = {"due_at": local_time(clock.due_at, zone),
                           "status": str(clock.status(now)),
                           "breached_at": local_time(clock.reported_breach(now), zone),
                           "cycles": cycles[name]}
    return summaries


def local_time(value: dt.datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the agency's zone, with its offset (+07:00, +08:00, +09:00)."""
    return value.astimezone(zone).isoformat() if value is not None else None


# --- CSV --------------------------------------------------------------------------------

class _Line:
    """A file for csv.writer that hands each written row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_cells(record: dict[str, Any]) -> list[Any]:
    sla = record["sla"]
    values = [
        *(record[c] for c in COMPLAINT_COLUMNS),
        *(sla[clock][field] for clock in ClockName.values for field in CLOCK_FIELDS),
        *(record[c] for c in TRAILING_COLUMNS),
    ]
    return ["" if v is None else neutralise_formula(v) for v in values]


def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, which
    spreadsheets show as text. Numbers are left alone: -6.9 is a latitude, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    # The byte order mark is how spreadsheet programs recognise UTF-8.
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for record in records:
        yield writer.writerow(csv_cells(record))


# --- JSON Lines -------------------------------------------------------------------------

def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # as the API gives coordinates: a string, no float rounding
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=_json_default) + "\n"


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json_line(record)


def encoded(lines: Iterable[str], size: int = SEND_SIZE) -> Iterator[bytes]:
    """UTF-8 pieces of about `size` characters, so a large export is not a write per row."""
    buffer: list[str] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()
