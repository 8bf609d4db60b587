"""Agency.calendar: the national calendar with the holiday overrides of the agency and of
every agency above it, read from the database."""

from __future__ import annotations

import datetime as dt

from complaints.models import Agency, HolidayOverride
from workflow.calendar import deadline

TUESDAY, WEDNESDAY, SATURDAY = dt.date(2026, 9, 22), dt.date(2026, 9, 23), dt.date(2026, 9, 26)


def fresh(agency: Agency) -> Agency:
    return Agency.objects.get(pk=agency.pk)  # calendar is kept per instance


def test_an_agencys_overrides_apply_to_its_units_and_not_to_others(world):
    HolidayOverride.objects.create(agency=world.agency, date=TUESDAY, description="Hari jadi")
    HolidayOverride.objects.create(agency=world.other_agency, date=WEDNESDAY,
                                   description="Elsewhere")
    for agency in (world.agency, world.unit):
        calendar = fresh(agency).calendar
        assert not calendar.is_working_day(TUESDAY)
        assert calendar.is_working_day(WEDNESDAY)
    other = fresh(world.other_agency).calendar
    assert other.is_working_day(TUESDAY) and not other.is_working_day(WEDNESDAY)


def test_a_units_working_day_counts_for_it_alone(world):
    HolidayOverride.objects.create(agency=world.unit, date=SATURDAY, is_working_day=True,
                                   description="Pelayanan Sabtu")
    assert fresh(world.unit).calendar.is_working_day(SATURDAY)
    assert not fresh(world.agency).calendar.is_working_day(SATURDAY)


def test_a_closed_day_above_moves_a_units_deadline_by_one_working_day(world):
    monday_9 = dt.datetime(2026, 9, 21, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    before = deadline(fresh(world.unit).calendar, monday_9, 3, "working_days")
    HolidayOverride.objects.create(agency=world.agency, date=TUESDAY, description="Hari jadi")
    after = deadline(fresh(world.unit).calendar, monday_9, 3, "working_days")
    assert (before.date(), after.date()) == (dt.date(2026, 9, 24), dt.date(2026, 9, 25))
