"""Calendar arithmetic behind the SLA clocks: working days, office hours, holidays.

Everything here is a pure function of its arguments: no database, no settings and no
clock, so "now" is always passed in. Instants going in must be timezone-aware; instants
coming out are in UTC. The calendar's zone is used only to decide which local day or
office hour an instant falls in. The counting rules, with worked examples, are in
docs/sla.md; change them there and here together.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "AGENCY_CLOSED_DAY",
    "Unit",
    "WorkCalendar",
    "add_calendar_days",
    "add_hours",
    "add_working_days",
    "add_working_hours",
    "deadline",
    "elapsed",
    "shift_for_pause",
]

UTC = timezone.utc
END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)
_ONE_HOUR = timedelta(hours=1)
_ZERO = timedelta(0)

# holiday_name() of a day closed only by the agency's own override.
AGENCY_CLOSED_DAY = "Hari libur instansi"
# In `holidays`, Indonesian cuti bersama exist only in this category, never in "public".
_CUTI_BERSAMA_CATEGORY = "government"


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WORKING_HOURS = "working_hours"
    HOURS = "hours"


class _NationalDay(NamedTuple):
    name: str
    cuti_bersama: bool


class _HolidaySource(NamedTuple):
    categories: tuple[str, ...]
    language: str | None


@functools.lru_cache(maxsize=64)
def _holiday_source(country: str) -> _HolidaySource:
    """What to ask `holidays` for; raises NotImplementedError for an unknown country."""
    entity = holidays.country_holidays(country)
    # Asking for a category the country does not define raises; only some define
    # "government".
    categories = tuple(
        c for c in ("public", _CUTI_BERSAMA_CATEGORY) if c in entity.supported_categories
    )
    # Names in the country's own language (for Indonesia, as written in the SKB on
    # holidays and cuti bersama). Left unset, `holidays` follows the server locale, and
    # the same deployment would name the same day differently from one host to another.
    return _HolidaySource(categories, entity.default_language)


@functools.lru_cache(maxsize=512)
def _national_days(country: str, year: int) -> Mapping[date, _NationalDay]:
    """National days off of one year. Empty when `holidays` has no data for the year."""
    if not country:
        return MappingProxyType({})
    source = _holiday_source(country)
    every = holidays.country_holidays(
        country, categories=source.categories, years=year, language=source.language
    )
    public = holidays.country_holidays(country, years=year, language=source.language)
    # A day off that is not a public holiday is a cuti bersama (collective leave day).
    return MappingProxyType(
        {day: _NationalDay(name, day not in public) for day, name in every.items()}
    )


@dataclass(frozen=True)
class WorkCalendar:
    """An agency's working calendar. Frozen and hashable, so lookups can be cached."""

    time_zone: str = "Asia/Jakarta"
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    office_start: time = time(7, 30)
    office_end: time = time(16, 0)
    cuti_bersama_is_working: bool = False
    closed_days: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    country: str = "ID"

    def __post_init__(self) -> None:
        # Calendars are built from admin rows, which hand over plain sets; coerce them so
        # the instance stays hashable.
        for name in ("weekdays", "closed_days", "working_days"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        # An empty week would make every working-day search run forever.
        if not self.weekdays or not self.weekdays <= frozenset(range(1, 8)):
            raise ValueError("weekdays must be a non-empty set of ISO weekdays 1..7")
        if self.office_start.tzinfo is not None or self.office_end.tzinfo is not None:
            raise ValueError("office hours are local wall-clock times without tzinfo")
        if self.office_start >= self.office_end:
            raise ValueError("office_start must be before office_end")
        if self.country:
            try:
                _holiday_source(self.country)
            except NotImplementedError as exc:
                raise ValueError(f"no holiday data for country {self.country!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo keeps its own cache of instances

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:  # the agency's decree wins over everything
            return True
        if day in self.closed_days or day.isoweekday() not in self.weekdays:
            return False
        national = _national_days(self.country, day.year).get(day)
        if national is None:
            return True
        return national.cuti_bersama and self.cuti_bersama_is_working

    def holiday_name(self, day: date) -> str | None:
        """Why the day is off: national holiday or cuti bersama name, or the override.

        A cuti bersama keeps its name on a calendar that works on cuti bersama (the day
        is still cuti bersama nationally), but a day the agency declared a working day
        has no holiday name. Plain weekends have none either.
        """
        if day in self.working_days:
            return None
        national = _national_days(self.country, day.year).get(day)
        if national is not None:
            return national.name
        return AGENCY_CLOSED_DAY if day in self.closed_days else None

    def local_date(self, instant: datetime) -> date:
        return _utc(instant, "instant").astimezone(self.zone).date()


# --- helpers -------------------------------------------------------------------------


def _utc(instant: datetime, name: str) -> datetime:
    """The instant in UTC; naive datetimes are refused.

    Converting at the door matters: Python subtracts and compares two datetimes that
    share a tzinfo by wall clock, which is wrong by an hour across a DST change.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant!r}")
    return instant.astimezone(UTC)


def _day_count(n: int) -> int:
    count = operator.index(n)  # a fraction of a working day has no meaning here
    if count < 0:
        raise ValueError(f"duration must not be negative, got {n}")
    return count


def _hour_span(n: int | float) -> timedelta:
    if not math.isfinite(n) or n < 0:
        raise ValueError(f"duration must be a non-negative number of hours, got {n}")
    return timedelta(hours=n)


def _at_local(cal: WorkCalendar, day: date, wall: time) -> datetime:
    # fold=0: an ambiguous wall time is its first occurrence, and a wall time inside a
    # DST gap is read with the offset before the gap, i.e. moved forward past it.
    return datetime.combine(day, wall, tzinfo=cal.zone).astimezone(UTC)


def _end_of_day(cal: WorkCalendar, day: date) -> datetime:
    return _at_local(cal, day, END_OF_DAY)


def _days_between(cal: WorkCalendar, start: datetime, end: datetime, *, working: bool) -> int:
    """Days d (working days only, if asked) with local(start) < d <= local(end); signed."""
    first, last = cal.local_date(start), cal.local_date(end)
    if last < first:
        return -_days_between(cal, end, start, working=working)
    span = (last - first).days
    if not working:
        return span
    return sum(cal.is_working_day(first + timedelta(days=i)) for i in range(1, span + 1))


def _office_hours(cal: WorkCalendar, day: date) -> tuple[datetime, datetime] | None:
    """The UTC instants at which the office opens and closes on `day`, if it opens."""
    if not cal.is_working_day(day):
        return None
    opens, closes = _at_local(cal, day, cal.office_start), _at_local(cal, day, cal.office_end)
    # A DST gap can swallow office hours that sit inside it; never run a window backwards.
    return (opens, closes) if opens < closes else None


def _add_working_time(cal: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    # Nothing to count means nothing moves, even outside office hours: this keeps a
    # zero-length pause from pushing a deadline that sits at closing time to the next
    # opening.
    if amount <= _ZERO:
        return start
    day = cal.local_date(start)
    while True:
        window = _office_hours(cal, day)
        if window is not None and start < window[1]:
            begin = max(start, window[0])
            available = window[1] - begin
            # `<=` so that a clock running out exactly at closing time ends at closing
            # time, not at the next opening.
            if amount <= available:
                return begin + amount
            amount -= available
        day += _ONE_DAY


def _working_time(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """Office time between two UTC instants; signed like end - start."""
    if end < start:
        return -_working_time(cal, end, start)
    total = _ZERO
    day, last = cal.local_date(start), cal.local_date(end)
    while day <= last:
        window = _office_hours(cal, day)
        if window is not None:
            total += max(_ZERO, min(end, window[1]) - max(start, window[0]))
        day += _ONE_DAY
    return total


# --- clocks --------------------------------------------------------------------------


def add_working_days(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    """23:59:59 local of the n-th working day after the local date of `start`.

    Day 1 is the first working day after the receipt day, whatever the receipt day is;
    n=0 ends the receipt day itself.
    """
    remaining = _day_count(n)
    day = cal.local_date(start)
    while remaining:
        day += _ONE_DAY
        if cal.is_working_day(day):
            remaining -= 1
    return _end_of_day(cal, day)


def add_calendar_days(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    """23:59:59 local of the n-th calendar day after the local date of `start`."""
    return _end_of_day(cal, cal.local_date(start) + timedelta(days=_day_count(n)))


def add_hours(start: datetime, n: int) -> datetime:
    """Exactly n hours of elapsed time later, DST or not."""
    return _utc(start, "start") + _hour_span(n)


def add_working_hours(cal: WorkCalendar, start: datetime, n: int | float) -> datetime:
    """The instant at which n office hours have been counted from `start`.

    Only [office_start, office_end) on working days counts; a start outside office
    hours starts counting at the next opening. n is rounded to the microsecond, and a
    duration that rounds to nothing returns `start` itself.
    """
    return _add_working_time(cal, _utc(start, "start"), _hour_span(n))


def deadline(cal: WorkCalendar, start: datetime, duration: int, unit: Unit | str) -> datetime:
    """When a clock of `duration` `unit`s started at `start` runs out (UTC)."""
    match Unit(unit):
        case Unit.WORKING_DAYS:
            return add_working_days(cal, start, duration)
        case Unit.CALENDAR_DAYS:
            return add_calendar_days(cal, start, duration)
        case Unit.WORKING_HOURS:
            return add_working_hours(cal, start, duration)
        case Unit.HOURS:
            return add_hours(start, duration)


def elapsed(cal: WorkCalendar, start: datetime, end: datetime, unit: Unit | str) -> float:
    """How much clock time lies between two instants, in `unit`.

    Day units count the days d with local(start) < d <= local(end), so that
    elapsed(start, deadline(start, n)) == n. Negative when end is before start.
    """
    unit = Unit(unit)
    start, end = _utc(start, "start"), _utc(end, "end")
    match unit:
        case Unit.WORKING_DAYS | Unit.CALENDAR_DAYS:
            working = unit is Unit.WORKING_DAYS
            return float(_days_between(cal, start, end, working=working))
        case Unit.WORKING_HOURS:
            return _working_time(cal, start, end) / _ONE_HOUR
        case Unit.HOURS:
            return (end - start) / _ONE_HOUR


def shift_for_pause(
    cal: WorkCalendar,
    due_at: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    unit: Unit | str,
) -> datetime:
    """The deadline moved forward by the clock time that passed while paused."""
    unit = Unit(unit)
    due = _utc(due_at, "due_at")
    paused, resumed = _utc(paused_at, "paused_at"), _utc(resumed_at, "resumed_at")
    if resumed < paused:
        raise ValueError("resumed_at must not be before paused_at")
    match unit:
        case Unit.WORKING_DAYS | Unit.CALENDAR_DAYS:
            working = unit is Unit.WORKING_DAYS
            days = _days_between(cal, paused, resumed, working=working)
            # A pause that covers no whole day leaves the stored deadline as it is,
            # rather than snapping an unusual due_at to the end of its day.
            if days == 0:
                return due
            add_days = add_working_days if working else add_calendar_days
            return add_days(cal, due, days)
        case Unit.HOURS:
            return due + (resumed - paused)
        case Unit.WORKING_HOURS:
            return _add_working_time(cal, due, _working_time(cal, paused, resumed))
