"""The services the queue's filter offers (selectors.service_choices), read by one statement
written once: the same services, in the same order, as the ORM's read of them."""

from __future__ import annotations

import pytest

from complaints.models import Agency, Service
from complaints.selectors import ServiceChoice, service_choices
from complaints.views.staff import root_paths, roots_of
from workflow.permissions import Actor
from workflow.states import Role


def by_the_orm(actor: Actor) -> list[ServiceChoice]:
    services = Service.objects.select_related("agency").order_by("agency__path", "name")
    roots = roots_of(actor)
    if roots is not None:
        services = services.filter(roots)
    return [ServiceChoice(s.pk, s.code, s.name, s.agency_id, s.agency.name) for s in services]


@pytest.fixture
def more_services(world):
    """A service of a unit, an inactive one, and another agency's."""
    Service.objects.create(agency=world.unit, code="ktp-cetak", name="Cetak KTP")
    Service.objects.create(agency=world.agency, code="akta", name="Akta kelahiran",
                           is_active=False)
    agency = Agency.objects.create(code="lain", name="Lain", time_zone="Asia/Makassar")
    Service.objects.create(agency=agency, code="lain", name="Layanan lain")


@pytest.mark.parametrize("persona", ["coordinator", "officer", "outside_officer",
                                     "supervisor", "ombudsman"])
def test_the_same_services_in_the_same_order_as_the_orm(world, more_services, persona):
    actor = Actor.staff(getattr(world, persona))
    offered = service_choices(root_paths(actor))
    assert offered == by_the_orm(actor)
    assert offered  # every persona works with some service


def test_each_agency_offers_its_own_and_its_units_services(world, more_services):
    offered = service_choices({world.agency.path})
    assert [s.code for s in offered] == ["akta", "ktp-el", "ktp-cetak"]
    assert {s.agency_name for s in offered} == {"Dinas Kependudukan", "Bidang KTP"}


def test_no_roots_offer_nothing_and_none_offers_every_service(world, more_services):
    assert service_choices(set()) == []
    assert len(service_choices(None)) == Service.objects.count() == 5
    assert {s.code for s in service_choices({"/%/", "/_/"})} == set()  # no wildcards


def test_a_role_narrows_the_roots(world):
    actor = Actor.staff(world.coordinator)
    assert root_paths(actor, (Role.OFFICER,)) == set()
    assert root_paths(actor, (Role.COORDINATOR,)) == {world.agency.path}
