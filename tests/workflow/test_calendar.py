"""Calendar arithmetic of the SLA clocks, on real Indonesian dates.

The holiday dates below were printed from the pinned `holidays` package (0.109) before
being written down; test_relied_on_holiday_data_is_what_the_package_says fails first if
an upgrade changes them, so a failing deadline table points at the data, not the code.
"""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from workflow.calendar import (
    AGENCY_CLOSED_DAY,
    Unit,
    WorkCalendar,
    add_calendar_days,
    add_hours,
    add_working_days,
    add_working_hours,
    deadline,
    elapsed,
    shift_for_pause,
)

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")  # UTC+7
WITA = ZoneInfo("Asia/Makassar")  # UTC+8
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # CET/CEST, DST 30 Mar and 26 Oct 2025

JAKARTA = WorkCalendar(time_zone="Asia/Jakarta")
MAKASSAR = WorkCalendar(time_zone="Asia/Makassar")
JAYAPURA = WorkCalendar(time_zone="Asia/Jayapura")
JAKARTA_FRONT_LINE = WorkCalendar(time_zone="Asia/Jakarta", cuti_bersama_is_working=True)
JAYAPURA_FRONT_LINE = WorkCalendar(time_zone="Asia/Jayapura", cuti_bersama_is_working=True)


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def end_of(zone: ZoneInfo, year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=zone)


# --- holiday data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name", "working", "working_for_front_line"),
    [
        (date(2025, 3, 28), "Cuti Bersama Hari Suci Nyepi", False, True),
        (date(2025, 3, 29), "Hari Suci Nyepi", False, False),  # a Saturday
        (date(2025, 3, 31), "Hari Raya Idul Fitri", False, False),
        (date(2025, 4, 1), "Hari kedua dari Hari Raya Idul Fitri", False, False),
        (date(2025, 4, 2), "Cuti Bersama Hari Raya Idul Fitri", False, True),
        (date(2025, 4, 7), "Cuti Bersama Hari Raya Idul Fitri", False, True),
        (date(2025, 4, 8), None, True, True),
        (date(2025, 12, 25), "Hari Raya Natal", False, False),
        (date(2025, 12, 26), "Cuti Bersama Hari Raya Natal", False, True),
        (date(2026, 1, 1), "Tahun Baru Masehi", False, False),
        (date(2026, 3, 18), "Cuti Bersama Hari Suci Nyepi", False, True),
        (date(2026, 3, 19), "Hari Suci Nyepi", False, False),
        (date(2026, 3, 20), "Cuti Bersama Hari Raya Idul Fitri", False, True),
        (date(2026, 3, 21), "Hari Raya Idul Fitri", False, False),  # a Saturday
        (date(2026, 3, 24), "Cuti Bersama Hari Raya Idul Fitri", False, True),
        (date(2026, 3, 25), None, True, True),
        (date(2025, 10, 11), None, False, False),  # a plain Saturday has no name
    ],
)
def test_relied_on_holiday_data_is_what_the_package_says(
    day: date, name: str | None, working: bool, working_for_front_line: bool
) -> None:
    assert JAKARTA.holiday_name(day) == name
    assert JAKARTA.is_working_day(day) is working
    assert JAKARTA_FRONT_LINE.is_working_day(day) is working_for_front_line
    # The day itself, not the zone, decides: all three Indonesian zones agree.
    assert MAKASSAR.is_working_day(day) is JAYAPURA.is_working_day(day) is working


def test_holiday_names_do_not_depend_on_the_server_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `holidays` reads LANG when no language is given; ours must not.
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    calendar = WorkCalendar(closed_days=frozenset({date(2031, 1, 2)}))  # fresh cache year
    assert calendar.holiday_name(date(2031, 1, 1)) == "Tahun Baru Masehi"


# --- working days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "received", "n", "due"),
    [
        pytest.param(
            JAKARTA, at(WIB, 2025, 3, 27, 10), 3, end_of(WIB, 2025, 4, 10),
            id="wib-idul-fitri-2025-skips-nyepi-lebaran-and-cuti-bersama",
        ),
        pytest.param(
            JAKARTA_FRONT_LINE, at(WIB, 2025, 3, 27, 10), 3, end_of(WIB, 2025, 4, 3),
            id="wib-front-line-counts-cuti-bersama-28-mar-2-3-apr",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2025, 3, 29, 9), 1, end_of(WITA, 2025, 4, 8),
            id="wita-received-on-nyepi-saturday-starts-after-lebaran",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 3, 26, 14), 5, end_of(WIT, 2025, 4, 11),
            id="wit-5-days-across-idul-fitri-2025",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2025, 3, 28, 9), 0, end_of(WITA, 2025, 3, 28),
            id="wita-zero-days-ends-the-receipt-day-even-a-cuti-bersama",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2026, 3, 16, 9), 2, end_of(WIB, 2026, 3, 25),
            id="wib-nyepi-and-idul-fitri-2026",
        ),
        pytest.param(
            JAKARTA_FRONT_LINE, at(WIB, 2026, 3, 16, 9), 2, end_of(WIB, 2026, 3, 18),
            id="wib-front-line-works-nyepi-cuti-bersama-2026",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2026, 3, 19, 11), 1, end_of(WITA, 2026, 3, 25),
            id="wita-received-on-nyepi-2026",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 12, 24, 15), 1, end_of(WIT, 2025, 12, 29),
            id="wit-christmas-and-its-cuti-bersama",
        ),
        pytest.param(
            JAYAPURA_FRONT_LINE, at(WIT, 2025, 12, 24, 15), 1, end_of(WIT, 2025, 12, 26),
            id="wit-front-line-works-christmas-cuti-bersama",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 12, 24, 15), 5, end_of(WIT, 2026, 1, 5),
            id="wit-across-christmas-and-new-year",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 10, 15), 1, end_of(WIB, 2025, 10, 13),
            id="wib-received-friday-day-one-is-monday",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 11, 10), 1, end_of(WIB, 2025, 10, 13),
            id="wib-received-saturday-day-one-is-monday",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 11, 10), 2, end_of(WIB, 2025, 10, 14),
            id="wib-received-saturday-day-two-is-tuesday",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 10, 7), 0, end_of(WIB, 2025, 10, 10),
            id="wib-zero-days-ends-the-receipt-day",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2025, 3, 28, 20), 3, end_of(WITA, 2025, 4, 10),
            id="wita-received-on-nyepi-cuti-bersama-2025",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2026, 3, 16, 9), 5, end_of(WIB, 2026, 3, 30),
            id="wib-first-response-across-idul-fitri-2026",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 12, 19, 10), 10, end_of(WIB, 2026, 1, 7),
            id="wib-reply-window-across-christmas-and-new-year",
        ),
    ],
)
def test_working_day_deadline_is_end_of_nth_working_day_after_receipt(
    calendar: WorkCalendar, received: datetime, n: int, due: datetime
) -> None:
    result = add_working_days(calendar, received, n)

    assert result == due
    assert result.tzinfo is UTC
    assert deadline(calendar, received, n, Unit.WORKING_DAYS) == due
    assert deadline(calendar, received, n, "working_days") == due


def test_working_day_deadline_is_returned_in_utc() -> None:
    result = add_working_days(JAKARTA, at(WIB, 2025, 3, 27, 10), 3)

    assert result == datetime(2025, 4, 10, 16, 59, 59, tzinfo=UTC)
    assert (result.tzinfo, result.microsecond) == (UTC, 0)


def test_friday_2330_wit_is_still_friday_though_friday_1430_utc() -> None:
    received = datetime(2025, 10, 10, 14, 30, tzinfo=UTC)  # Fri 23:30 WIT

    assert JAYAPURA.local_date(received) == date(2025, 10, 10)
    assert add_working_days(JAYAPURA, received, 1) == datetime(2025, 10, 13, 14, 59, 59, tzinfo=UTC)
    assert add_calendar_days(JAYAPURA, received, 1) == datetime(
        2025, 10, 11, 14, 59, 59, tzinfo=UTC
    )


def test_saturday_0030_wit_counts_from_saturday_though_friday_in_utc() -> None:
    received = datetime(2025, 10, 10, 15, 30, tzinfo=UTC)  # Sat 00:30 WIT

    assert JAYAPURA.local_date(received) == date(2025, 10, 11)
    assert add_calendar_days(JAYAPURA, received, 1) == end_of(WIT, 2025, 10, 12)


def test_monday_morning_wit_counts_from_monday_though_sunday_in_utc() -> None:
    received = datetime(2025, 10, 12, 21, 0, tzinfo=UTC)  # Mon 06:00 WIT

    assert add_working_days(JAYAPURA, received, 1) == end_of(WIT, 2025, 10, 14)
    # The same instant counted on a UTC calendar is a Sunday receipt: day 1 is Monday.
    utc_calendar = WorkCalendar(time_zone="UTC")
    assert add_working_days(utc_calendar, received, 1) == end_of(ZoneInfo("UTC"), 2025, 10, 13)


# --- calendar days --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "received", "n", "due"),
    [
        pytest.param(
            JAKARTA, at(WIB, 2025, 3, 31, 10), 14, end_of(WIB, 2025, 4, 14),
            id="wib-statutory-14-days-from-idul-fitri-ignores-holidays",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2025, 12, 26, 8), 0, end_of(WITA, 2025, 12, 26),
            id="wita-zero-days-ends-the-receipt-day",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 12, 24, 15), 60, end_of(WIT, 2026, 2, 22),
            id="wit-60-days-across-the-year-end",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2026, 3, 19, 23, 59, 59), 30, end_of(WIB, 2026, 4, 18),
            id="wib-30-days-from-the-last-second-of-nyepi-2026",
        ),
        pytest.param(
            MAKASSAR, at(WITA, 2026, 3, 19, 11), 14, end_of(WITA, 2026, 4, 2),
            id="wita-14-days-from-nyepi-2026",
        ),
    ],
)
def test_calendar_day_deadline_is_end_of_nth_day_after_receipt(
    calendar: WorkCalendar, received: datetime, n: int, due: datetime
) -> None:
    assert add_calendar_days(calendar, received, n) == due
    assert deadline(calendar, received, n, "calendar_days") == due


def test_calendar_days_end_at_local_midnight_across_dst() -> None:
    calendar = WorkCalendar(time_zone="Europe/Amsterdam", country="")

    due = add_calendar_days(calendar, at(AMSTERDAM, 2025, 3, 29, 12), 1)

    assert due == datetime(2025, 3, 30, 21, 59, 59, tzinfo=UTC)  # 23:59:59 CEST


# --- overrides and missing data -------------------------------------------------------


def test_closed_day_override_pushes_the_deadline() -> None:
    regional_holiday = date(2025, 10, 13)
    calendar = WorkCalendar(closed_days=frozenset({regional_holiday}))

    assert add_working_days(calendar, at(WIB, 2025, 10, 10, 15), 1) == end_of(WIB, 2025, 10, 14)
    assert calendar.is_working_day(regional_holiday) is False
    assert calendar.holiday_name(regional_holiday) == AGENCY_CLOSED_DAY


def test_closed_day_override_on_a_national_holiday_keeps_the_national_name() -> None:
    calendar = WorkCalendar(closed_days=frozenset({date(2025, 12, 25)}))

    assert calendar.holiday_name(date(2025, 12, 25)) == "Hari Raya Natal"


def test_working_day_override_makes_a_saturday_count() -> None:
    calendar = WorkCalendar(working_days=frozenset({date(2025, 10, 11)}))

    assert add_working_days(calendar, at(WIB, 2025, 10, 10, 15), 1) == end_of(WIB, 2025, 10, 11)


def test_working_day_override_wins_over_national_cuti_bersama() -> None:
    calendar = WorkCalendar(time_zone="Asia/Jayapura", working_days=frozenset({date(2025, 12, 26)}))

    assert add_working_days(calendar, at(WIT, 2025, 12, 24, 15), 1) == end_of(WIT, 2025, 12, 26)
    assert calendar.holiday_name(date(2025, 12, 26)) is None


def test_working_day_override_wins_over_closed_day_override() -> None:
    day = date(2025, 10, 13)
    calendar = WorkCalendar(closed_days=frozenset({day}), working_days=frozenset({day}))

    assert calendar.is_working_day(day) is True


def test_calendar_accepts_plain_sets_and_stays_hashable() -> None:
    from_admin_rows = {"weekdays": {1, 2, 3, 4, 5, 6}, "closed_days": {date(2025, 10, 13)}}
    calendar = WorkCalendar(**from_admin_rows)  # type: ignore[arg-type]

    assert hash(calendar) == hash(
        WorkCalendar(weekdays=frozenset(range(1, 7)), closed_days=frozenset({date(2025, 10, 13)}))
    )
    assert calendar.is_working_day(date(2025, 10, 11)) is True  # a Saturday


def test_year_unknown_to_the_package_has_no_national_holidays() -> None:
    # holidays 0.109 covers Indonesia up to 2100; 1 Jan 2101 is a Saturday, 3 Jan a Monday.
    assert JAKARTA.holiday_name(date(2101, 1, 1)) is None
    assert JAKARTA.is_working_day(date(2101, 1, 3)) is True


def test_closed_days_stand_in_for_a_year_the_package_does_not_know() -> None:
    calendar = WorkCalendar(closed_days=frozenset({date(2101, 1, 3)}))

    assert add_working_days(calendar, at(WIB, 2100, 12, 31, 10), 1) == end_of(WIB, 2101, 1, 4)


def test_empty_country_has_no_national_holidays() -> None:
    calendar = WorkCalendar(country="")

    assert calendar.is_working_day(date(2025, 3, 31)) is True
    assert calendar.holiday_name(date(2025, 3, 31)) is None


def test_other_countries_use_their_own_public_holidays() -> None:
    calendar = WorkCalendar(time_zone="Europe/Amsterdam", country="NL")

    assert calendar.holiday_name(date(2025, 4, 26)) == "Koningsdag"  # a Saturday that year
    assert calendar.is_working_day(date(2025, 12, 26)) is False


# --- working hours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "due"),
    [
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 15), 2, at(WIB, 2025, 10, 14, 8, 30),
            id="overnight-continues-at-next-opening",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 7, 30), 8, at(WIB, 2025, 10, 13, 15, 30),
            id="no-lunch-break-is-deducted",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 7, 30), 8.5, at(WIB, 2025, 10, 13, 16),
            id="ending-exactly-at-closing-stays-at-closing",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 7, 30), 9, at(WIB, 2025, 10, 14, 8),
            id="a-full-day-and-a-half-hour",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 6), 1, at(WIB, 2025, 10, 13, 8, 30),
            id="before-opening-starts-at-opening",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 16), 1, at(WIB, 2025, 10, 14, 8, 30),
            id="at-closing-starts-next-morning",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 20), 0.5, at(WIB, 2025, 10, 14, 8),
            id="evening-fraction-of-an-hour",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 11, 10), 1, at(WIB, 2025, 10, 13, 8, 30),
            id="saturday-starts-monday-morning",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 3, 27, 15), 4, at(WIB, 2025, 4, 8, 10, 30),
            id="across-idul-fitri-2025",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 12, 24, 15), 2, at(WIT, 2025, 12, 29, 8, 30),
            id="wit-across-christmas-2025",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 12, 24, 14), 10, at(WIB, 2025, 12, 29, 15, 30),
            id="wib-across-christmas-2025",
        ),
        pytest.param(
            JAYAPURA_FRONT_LINE, at(WIT, 2025, 12, 24, 15), 2, at(WIT, 2025, 12, 26, 8, 30),
            id="wit-front-line-works-christmas-cuti-bersama",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 11, 10), 0, at(WIB, 2025, 10, 11, 10),
            id="zero-hours-moves-nothing",
        ),
    ],
)
def test_working_hours_count_only_office_hours_on_working_days(
    calendar: WorkCalendar, start: datetime, hours: float, due: datetime
) -> None:
    result = add_working_hours(calendar, start, hours)

    assert result == due
    assert result.tzinfo is UTC
    assert elapsed(calendar, start, result, Unit.WORKING_HOURS) == hours


def test_working_hours_across_dst_count_real_time() -> None:
    calendar = WorkCalendar(
        time_zone="Europe/Amsterdam", country="NL", office_start=time(9), office_end=time(17)
    )

    due = add_working_hours(calendar, at(AMSTERDAM, 2025, 3, 28, 16), 2)  # Friday, CET

    assert due == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST


# --- hours ----------------------------------------------------------------------------


def test_hours_across_spring_dst_are_elapsed_hours() -> None:
    start = at(AMSTERDAM, 2025, 3, 29, 12)  # CET

    due = add_hours(start, 24)

    assert due == datetime(2025, 3, 30, 11, 0, tzinfo=UTC)
    assert due.astimezone(AMSTERDAM).time() == time(13, 0)  # CEST: wall clock jumped
    assert deadline(WorkCalendar(time_zone="Europe/Amsterdam"), start, 24, "hours") == due


def test_hours_across_autumn_dst_are_elapsed_hours() -> None:
    due = add_hours(at(AMSTERDAM, 2025, 10, 25, 12), 24)  # CEST

    assert due == datetime(2025, 10, 26, 10, 0, tzinfo=UTC)  # 11:00 CET


def test_elapsed_hours_across_dst_are_real_hours() -> None:
    calendar = WorkCalendar(time_zone="Europe/Amsterdam", country="")
    start, end = at(AMSTERDAM, 2025, 3, 29, 12), at(AMSTERDAM, 2025, 3, 30, 12)

    assert elapsed(calendar, start, end, Unit.HOURS) == 23.0


# --- elapsed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "end", "unit", "amount"),
    [
        pytest.param(
            JAKARTA, at(WIB, 2025, 3, 27, 10), end_of(WIB, 2025, 4, 10), "working_days", 3.0,
            id="working-days-across-idul-fitri",
        ),
        pytest.param(
            JAKARTA, end_of(WIB, 2025, 4, 10), at(WIB, 2025, 3, 27, 10), "working_days", -3.0,
            id="working-days-backwards-are-negative",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 8), at(WIB, 2025, 10, 13, 15), "working_days", 0.0,
            id="same-local-day-is-zero-working-days",
        ),
        pytest.param(
            JAYAPURA, at(WIT, 2025, 10, 10, 23, 30), at(WIT, 2025, 10, 11, 0, 30),
            "calendar_days", 1.0,
            id="wit-midnight-passes-one-calendar-day",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 3, 31, 10), end_of(WIB, 2025, 4, 14), Unit.CALENDAR_DAYS, 14.0,
            id="calendar-days-across-idul-fitri",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 10, 15), at(WIB, 2025, 10, 13, 8, 30), "working_hours", 2.0,
            id="working-hours-skip-the-weekend",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 4), at(WIB, 2025, 10, 13, 20), "working_hours", 8.5,
            id="working-hours-of-one-full-office-day",
        ),
        pytest.param(
            JAKARTA, at(WIB, 2025, 10, 13, 9), at(WIB, 2025, 10, 13, 10, 30), "hours", 1.5,
            id="hours-are-exact",
        ),
    ],
)
def test_elapsed_measures_clock_time_between_instants(
    calendar: WorkCalendar, start: datetime, end: datetime, unit: str, amount: float
) -> None:
    assert elapsed(calendar, start, end, unit) == amount


# --- pauses ---------------------------------------------------------------------------


def test_pause_moves_working_day_deadline_by_working_days_paused() -> None:
    due = end_of(WIB, 2025, 4, 10)
    # Working days in (Wed 26 Mar, Tue 8 Apr]: Thu 27 Mar and Tue 8 Apr.
    paused, resumed = at(WIB, 2025, 3, 26, 10), at(WIB, 2025, 4, 8, 9)

    shifted = shift_for_pause(JAKARTA, due, paused, resumed, "working_days")

    assert shifted == end_of(WIB, 2025, 4, 14)


def test_pause_within_one_day_leaves_working_day_deadline() -> None:
    due = end_of(WIB, 2025, 4, 10)
    paused, resumed = at(WIB, 2025, 4, 8, 9), at(WIB, 2025, 4, 8, 15)

    assert shift_for_pause(JAKARTA, due, paused, resumed, Unit.WORKING_DAYS) == due


def test_pause_within_one_day_does_not_snap_an_off_hours_deadline_to_end_of_day() -> None:
    due = at(WIB, 2025, 4, 10, 10)  # e.g. a deadline set by hand, not at 23:59:59
    paused, resumed = at(WIB, 2025, 4, 8, 9), at(WIB, 2025, 4, 8, 15)

    assert shift_for_pause(JAKARTA, due, paused, resumed, "working_days") == due
    assert shift_for_pause(JAKARTA, due, paused, resumed, "calendar_days") == due


def test_pause_over_a_holiday_only_moves_calendar_day_deadline() -> None:
    due = end_of(WIB, 2025, 4, 14)
    paused, resumed = at(WIB, 2025, 4, 1, 10), at(WIB, 2025, 4, 5, 9)

    calendar_days = shift_for_pause(JAKARTA, due, paused, resumed, "calendar_days")
    assert calendar_days == end_of(WIB, 2025, 4, 18)
    assert shift_for_pause(JAKARTA, due, paused, resumed, "working_days") == due


def test_pause_moves_hours_deadline_by_real_time_across_dst() -> None:
    calendar = WorkCalendar(time_zone="Europe/Amsterdam", country="")
    due = at(AMSTERDAM, 2025, 3, 30, 13)
    # 22:00 CET to 04:00 CEST: six hours on the wall clock, five in fact.
    paused, resumed = at(AMSTERDAM, 2025, 3, 29, 22), at(AMSTERDAM, 2025, 3, 30, 4)

    assert shift_for_pause(calendar, due, paused, resumed, "hours") == datetime(
        2025, 3, 30, 16, 0, tzinfo=UTC
    )


def test_pause_moves_working_hours_deadline_by_office_hours_paused() -> None:
    due = at(WIB, 2025, 10, 15, 15, 30)
    paused, resumed = at(WIB, 2025, 10, 13, 15), at(WIB, 2025, 10, 14, 8, 30)  # 2 office hours

    assert shift_for_pause(JAKARTA, due, paused, resumed, "working_hours") == at(
        WIB, 2025, 10, 16, 9
    )


def test_pause_of_a_deadline_at_closing_continues_next_morning() -> None:
    due = at(WIB, 2025, 10, 13, 16)
    paused, resumed = at(WIB, 2025, 10, 13, 9), at(WIB, 2025, 10, 13, 10)

    assert shift_for_pause(JAKARTA, due, paused, resumed, "working_hours") == at(
        WIB, 2025, 10, 14, 8, 30
    )


def test_pause_that_resumes_before_it_started_is_refused() -> None:
    due, paused, resumed = end_of(WIB, 2025, 4, 10), at(WIB, 2025, 4, 8, 9), at(WIB, 2025, 4, 7, 9)

    with pytest.raises(ValueError, match="resumed_at"):
        shift_for_pause(JAKARTA, due, paused, resumed, "hours")


# --- errors ---------------------------------------------------------------------------

RECEIVED = at(WIB, 2025, 10, 13, 9)
NAIVE = datetime(2025, 10, 13, 9)


@pytest.mark.parametrize("unit", list(Unit))
def test_negative_duration_is_refused(unit: Unit) -> None:
    with pytest.raises(ValueError, match="negative"):
        deadline(JAKARTA, RECEIVED, -1, unit)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_days(JAKARTA, RECEIVED, -1), id="working-days"),
        pytest.param(lambda: add_calendar_days(JAKARTA, RECEIVED, -1), id="calendar-days"),
        pytest.param(lambda: add_hours(RECEIVED, -1), id="hours"),
        pytest.param(lambda: add_working_hours(JAKARTA, RECEIVED, -0.5), id="working-hours"),
        pytest.param(lambda: add_working_hours(JAKARTA, RECEIVED, float("nan")), id="nan-hours"),
        pytest.param(lambda: add_working_hours(JAKARTA, RECEIVED, float("inf")), id="inf-hours"),
    ],
)
def test_negative_or_non_finite_count_is_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


def test_fraction_of_a_day_is_refused() -> None:
    with pytest.raises(TypeError):
        add_working_days(JAKARTA, RECEIVED, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_days(JAKARTA, NAIVE, 1), id="working-days"),
        pytest.param(lambda: add_calendar_days(JAKARTA, NAIVE, 1), id="calendar-days"),
        pytest.param(lambda: add_hours(NAIVE, 1), id="hours"),
        pytest.param(lambda: add_working_hours(JAKARTA, NAIVE, 1), id="working-hours"),
        pytest.param(lambda: JAKARTA.local_date(NAIVE), id="local-date"),
        pytest.param(lambda: elapsed(JAKARTA, RECEIVED, NAIVE, "hours"), id="elapsed-end"),
        pytest.param(lambda: elapsed(JAKARTA, NAIVE, RECEIVED, "working_days"), id="elapsed-start"),
        pytest.param(
            lambda: shift_for_pause(JAKARTA, RECEIVED, NAIVE, RECEIVED, "hours"), id="pause"
        ),
    ],
)
def test_naive_datetime_is_refused(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()  # type: ignore[operator]


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="fortnights"):
        deadline(JAKARTA, RECEIVED, 1, "fortnights")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({"time_zone": "Asia/Bandung"}, "time zone", id="unknown-zone"),
        pytest.param({"weekdays": frozenset()}, "weekdays", id="no-weekdays"),
        pytest.param({"weekdays": frozenset({0, 1})}, "weekdays", id="weekday-zero"),
        pytest.param({"office_end": time(7, 0)}, "office_start", id="closes-before-opening"),
        pytest.param({"office_end": time(7, 30)}, "office_start", id="closes-at-opening"),
        pytest.param(
            {"office_start": time(7, 30, tzinfo=UTC)}, "wall-clock", id="office-hours-with-zone"
        ),
        pytest.param({"country": "XX"}, "country", id="unknown-country"),
    ],
)
def test_invalid_calendar_is_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(**settings)  # type: ignore[arg-type]
