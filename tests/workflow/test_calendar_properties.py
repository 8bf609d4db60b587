"""Properties of the SLA calendar arithmetic, over generated calendars and instants.

Calendars are drawn with dense overrides around the start so that closed days and extra
working days actually sit in the path of the clocks being tested.
"""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.calendar import Unit, WorkCalendar, deadline, elapsed, shift_for_pause

UTC = timezone.utc
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam")
DAY_UNITS = (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS)
HOUR_UNITS = (Unit.WORKING_HOURS, Unit.HOURS)
# A microsecond, in hours: timedelta cannot hold less.
MICROSECOND_IN_HOURS = 1 / 3_600_000_000

# No example database: these run in CI and on laptops without writing .hypothesis/;
# a failure still prints the falsifying example.
properties = settings(max_examples=200, deadline=None, database=None)

instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([UTC, *(ZoneInfo(zone) for zone in ZONES)]),
    allow_imaginary=False,
)
day_counts = st.integers(min_value=0, max_value=60)
hour_counts = st.one_of(
    st.integers(min_value=0, max_value=200),
    st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)


@st.composite
def office_hours(draw: st.DrawFn) -> tuple[time, time]:
    if draw(st.booleans()):
        return time(7, 30), time(16, 0)
    opens = draw(st.integers(min_value=0, max_value=23 * 60))
    closes = draw(st.integers(min_value=opens + 1, max_value=24 * 60 - 1))
    return time(*divmod(opens, 60)), time(*divmod(closes, 60))


@st.composite
def calendars_near(draw: st.DrawFn, around: date) -> WorkCalendar:
    offsets = st.integers(min_value=-2, max_value=120)
    closed = draw(st.frozensets(offsets, max_size=40))
    working = draw(st.frozensets(offsets, max_size=5))
    office_start, office_end = draw(office_hours())
    return WorkCalendar(
        time_zone=draw(st.sampled_from(ZONES)),
        weekdays=draw(st.frozensets(st.integers(min_value=1, max_value=7), min_size=1)),
        office_start=office_start,
        office_end=office_end,
        cuti_bersama_is_working=draw(st.booleans()),
        closed_days=frozenset(around + timedelta(days=k) for k in closed),
        working_days=frozenset(around + timedelta(days=k) for k in working),
        country=draw(st.sampled_from(("ID", "ID", ""))),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[WorkCalendar, datetime]:
    start = draw(instants)
    return draw(calendars_near(start.astimezone(UTC).date())), start


@properties
@given(scenarios(), day_counts, st.sampled_from(DAY_UNITS))
def test_measuring_a_day_deadline_gives_the_duration_back(
    scenario: tuple[WorkCalendar, datetime], n: int, unit: Unit
) -> None:
    calendar, start = scenario

    assert elapsed(calendar, start, deadline(calendar, start, n, unit), unit) == n


@properties
@given(scenarios(), hour_counts, st.sampled_from(HOUR_UNITS))
def test_measuring_an_hour_deadline_gives_the_duration_back_to_the_microsecond(
    scenario: tuple[WorkCalendar, datetime], n: float, unit: Unit
) -> None:
    calendar, start = scenario

    due = deadline(calendar, start, n, unit)  # type: ignore[arg-type]

    measured = elapsed(calendar, start, due, unit)

    assert abs(measured - n) <= MICROSECOND_IN_HOURS


@properties
@given(scenarios(), st.integers(min_value=1, max_value=60))
def test_working_day_deadline_is_the_end_of_a_working_day(
    scenario: tuple[WorkCalendar, datetime], n: int
) -> None:
    calendar, start = scenario

    due = deadline(calendar, start, n, Unit.WORKING_DAYS)

    local_due = due.astimezone(calendar.zone)
    assert calendar.is_working_day(local_due.date())
    assert local_due.date() not in calendar.closed_days - calendar.working_days
    assert local_due.time() == time(23, 59, 59)


@properties
# Durations are kept to the microsecond; one that rounds to nothing counts nothing.
@given(scenarios(), hour_counts.filter(lambda n: timedelta(hours=n) > timedelta(0)))
def test_working_hours_deadline_falls_on_a_working_day(
    scenario: tuple[WorkCalendar, datetime], n: float
) -> None:
    calendar, start = scenario

    due = deadline(calendar, start, n, Unit.WORKING_HOURS)  # type: ignore[arg-type]

    assert calendar.is_working_day(calendar.local_date(due))


@properties
@given(scenarios(), st.sampled_from(list(Unit)), day_counts, day_counts)
def test_deadline_never_moves_earlier_when_the_duration_grows(
    scenario: tuple[WorkCalendar, datetime], unit: Unit, a: int, b: int
) -> None:
    calendar, start = scenario
    shorter, longer = sorted((a, b))

    assert deadline(calendar, start, shorter, unit) <= deadline(calendar, start, longer, unit)


@properties
@given(scenarios(), instants, st.sampled_from(list(Unit)), day_counts)
def test_deadline_never_moves_earlier_when_the_start_is_later(
    scenario: tuple[WorkCalendar, datetime], other: datetime, unit: Unit, n: int
) -> None:
    calendar, start = scenario
    earlier, later = sorted((start, other))

    assert deadline(calendar, earlier, n, unit) <= deadline(calendar, later, n, unit)


@properties
@given(scenarios(), st.sampled_from(list(Unit)), day_counts, instants)
def test_zero_length_pause_leaves_the_deadline(
    scenario: tuple[WorkCalendar, datetime], unit: Unit, n: int, paused: datetime
) -> None:
    calendar, start = scenario
    due = deadline(calendar, start, n, unit)

    assert shift_for_pause(calendar, due, paused, paused, unit) == due


@properties
@given(
    scenarios(),
    st.sampled_from(list(Unit)),
    day_counts,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_pause_moves_the_deadline_by_the_clock_time_paused(
    scenario: tuple[WorkCalendar, datetime], unit: Unit, n: int, pause: timedelta
) -> None:
    calendar, start = scenario
    due = deadline(calendar, start, n, unit)
    paused = start.astimezone(UTC)  # wall-clock arithmetic on a DST zone is not elapsed time
    resumed = paused + pause

    shifted = shift_for_pause(calendar, due, paused, resumed, unit)

    assert shifted >= due
    moved, paused_for = (
        elapsed(calendar, due, shifted, unit),
        elapsed(calendar, paused, resumed, unit),
    )
    assert abs(moved - paused_for) <= MICROSECOND_IN_HOURS
