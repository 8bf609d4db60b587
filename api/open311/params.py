"""Reading Open311 parameters strictly, so that bad input is a 400 and never a 500.

"Optional" in the specification means that an empty parameter is the same as an absent one:
every reader here returns None (or an empty list) for both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime

from api.open311.errors import bad_request
from complaints.identifiers import normalize_tracking_number

# GET requests: "a span of 90 days or first 1000 requests returned, whichever is smallest".
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 1000
STATUSES = ("open", "closed")
SERVICE_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def values(source: Mapping[str, Any], name: str) -> list[str]:
    """Every non-empty value of `name`, stripped; a form may repeat a parameter."""
    raw = source.getlist(name) if hasattr(source, "getlist") else [source.get(name)]
    found = []
    for value in raw:
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a JSON body may send numbers for lat, long or codes
        if not isinstance(value, str):
            raise bad_request(f"{name} must be text.")
        if "\x00" in value or not _is_utf8(value):
            raise bad_request(f"{name} contains characters that are not allowed.")
        if value.strip():
            found.append(value.strip())
    return found


def _is_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, from a JSON body's \ud800
        return False
    return True


def text(source: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str | None:
    found = values(source, name)
    if not found:
        return None
    value = found[-1]
    if max_length is not None and len(value) > max_length:
        raise bad_request(f"{name} is limited to {max_length:,} characters.")
    return value


def comma_list(source: Mapping[str, Any], name: str) -> list[str]:
    """A parameter that "can be declared multiple times, comma delimited"."""
    items = [item.strip() for value in values(source, name) for item in value.split(",")]
    return [item for item in items if item]


def is_service_code(value: str) -> bool:
    return bool(SERVICE_CODE.match(value))


def tracking_numbers(source: Mapping[str, Any]) -> list[str] | None:
    """The service_request_id list, or None when absent. Ids that cannot be ours are
    dropped, so they simply match nothing."""
    ids = comma_list(source, "service_request_id")
    if not ids:
        return None
    if len(ids) > MAX_IDS:
        raise bad_request(f"At most {MAX_IDS} service_request_id values may be given at once.")
    return [n for n in (normalize_tracking_number(i) for i in ids) if n is not None]


def statuses(source: Mapping[str, Any]) -> set[str]:
    found = {s.lower() for s in comma_list(source, "status")}
    unknown = found - set(STATUSES)
    if unknown:
        raise bad_request(f"status must be open or closed, not {sorted(unknown)[0]!r}.")
    return found


def timestamp(source: Mapping[str, Any], name: str) -> dt.datetime | None:
    """A W3C/ISO 8601 date or date-time; one without an offset is read as UTC."""
    value = text(source, name, max_length=64)
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad_request(f"{name} must be a W3C date-time such as 2010-01-01T00:00:00Z.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise bad_request(f"{name} is out of range.") from None


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime


def window(source: Mapping[str, Any], now: dt.datetime) -> Window:
    """The requested_datetime range: the most recent 90 days by default, 90 days on from
    start_date or back from end_date when only one is given, and never more than 90 days."""
    start, end = timestamp(source, "start_date"), timestamp(source, "end_date")
    try:
        if start is None and end is None:
            end = now
        if start is None:
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
    except OverflowError:
        raise bad_request("start_date or end_date is out of range.") from None
    if end < start:
        raise bad_request("end_date must not be before start_date.")
    if end - start > WINDOW:
        raise bad_request("start_date and end_date may not span more than 90 days.")
    return Window(start, end)
