"""selectors.standards_in_force: for a list of services at once, the version each is under at
a moment, on the calendar day of its own agency, as `Service.standard_on` finds it for one.
The citizen's form and the API's services list read the standards through it."""

from __future__ import annotations

import datetime as dt

from complaints.defaults import create_default_standard
from complaints.models import Agency, Service
from complaints.selectors import standards_in_force

# 2026-03-09 23:30 WIB (UTC+7) is already 2026-03-10 01:30 in WIT (UTC+9).
LATE_EVENING_WIB = dt.datetime(2026, 3, 9, 16, 30, tzinfo=dt.UTC)
TENTH = dt.date(2026, 3, 10)


def services_read(*services: Service) -> list[Service]:
    return list(Service.objects.filter(pk__in=[s.pk for s in services])
                .select_related("agency").order_by("pk"))


def test_a_new_version_applies_from_its_day_at_the_services_own_agency(world):
    papua = Agency.objects.create(code="jayapura", name="Pemkot Jayapura",
                                  time_zone="Asia/Jayapura")
    east = Service.objects.create(agency=papua, code="air", name="Air bersih")
    first = create_default_standard(east, effective_from=dt.date(2020, 1, 1))
    east_next = create_default_standard(east, effective_from=TENTH, version=2)
    west_next = create_default_standard(world.service, effective_from=TENTH, version=2)
    services = services_read(world.service, east)

    found = standards_in_force(services, LATE_EVENING_WIB)

    assert found[east.pk] == east_next  # the tenth has begun in Jayapura
    assert found[world.service.pk] != west_next  # not yet in Jakarta
    assert found[world.service.pk] == world.service.standard_on(dt.date(2026, 3, 9))
    assert standards_in_force(services, LATE_EVENING_WIB - dt.timedelta(hours=2))[east.pk] \
        == first  # 23:30 in Jayapura, the ninth


def test_the_highest_version_of_a_day_and_no_service_without_one(world):
    later = create_default_standard(world.service, effective_from=dt.date(2020, 1, 1),
                                    version=2)
    unpublished = Service.objects.create(agency=world.agency, code="baru", name="Baru")
    create_default_standard(unpublished, effective_from=dt.date(2030, 1, 1))
    bare = Service.objects.create(agency=world.agency, code="kosong", name="Kosong")

    found = standards_in_force(services_read(world.service, unpublished, bare),
                               LATE_EVENING_WIB)

    assert found == {world.service.pk: later}


def test_one_query_for_any_number_of_services(world, django_assert_num_queries):
    services = services_read(world.service, world.other_service)
    with django_assert_num_queries(1):
        found = standards_in_force(services, LATE_EVENING_WIB)
    assert set(found) == {world.service.pk, world.other_service.pk}
