"""Personas and small factories shared by the suite.

One agency (WIB) with one unit; a person for every role; a service whose standard carries the
default clocks. Tests build the rest through the workflow service, never by writing state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.db import connection

from complaints.defaults import create_default_standard
from complaints.models import Agency, Complaint, Membership, Service
from workflow.permissions import SYSTEM, Actor
from workflow.services import Submitted, complaint_submit, complaint_transition
from workflow.states import Action, Role, State

# A Monday morning in Jakarta, not near any holiday: 2026-02-02 09:00 WIB.
MONDAY_9_WIB = dt.datetime(2026, 2, 2, 2, 0, tzinfo=dt.UTC)
# On PostgreSQL a public statistics computation takes its slot (config.cache.Slots): an
# advisory lock, in a savepoint and its release inside a test's transaction.
SLOT_QUERIES = 3 if connection.vendor == "postgresql" else 0


@dataclass
class World:
    agency: Agency
    unit: Agency
    other_agency: Agency
    service: Service
    other_service: Service
    coordinator: AbstractUser
    supervisor: AbstractUser
    officer: AbstractUser
    second_officer: AbstractUser
    outside_officer: AbstractUser
    ombudsman: AbstractUser
    administrator: AbstractUser

    def actor(self, role: str, complaint: Complaint | None = None) -> Actor:
        """The persona acting in `role` (a Role value, or "outside_officer")."""
        if role == Role.CITIZEN:
            assert complaint is not None
            return Actor.citizen(complaint)
        if role == Role.SYSTEM:
            return SYSTEM
        return Actor.staff(getattr(self, role))


def _user(username: str, **extra: Any) -> AbstractUser:
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.go.id", password="x", **extra
    )


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """The statistics pages and the dashboard keep their figures in the shared cache for a
    minute: each test starts without any."""
    cache.clear()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def build_world() -> World:
    """The personas and their agencies, written to the database (for fixtures of a wider
    scope than one test, e.g. tests/security/conftest.py)."""
    agency = Agency.objects.create(code="disdukcapil", name="Dinas Kependudukan",
                                   time_zone="Asia/Jakarta")
    unit = Agency.objects.create(code="disdukcapil-ktp", name="Bidang KTP", parent=agency,
                                 time_zone="Asia/Jakarta")
    other = Agency.objects.create(code="dishub", name="Dinas Perhubungan",
                                  time_zone="Asia/Jakarta")
    service = Service.objects.create(agency=agency, code="ktp-el", name="KTP elektronik")
    other_service = Service.objects.create(agency=other, code="parkir", name="Parkir")
    for s in (service, other_service):
        create_default_standard(s, effective_from=dt.date(2020, 1, 1))
    people = {
        "coordinator": (Role.COORDINATOR, agency),
        "supervisor": (Role.SUPERVISOR, unit),
        "officer": (Role.OFFICER, unit),
        "second_officer": (Role.OFFICER, unit),
        "outside_officer": (Role.OFFICER, other),
        "ombudsman": (Role.OMBUDSMAN, None),
    }
    users = {}
    for name, (role, where) in people.items():
        users[name] = _user(name)
        Membership.objects.create(user=users[name], role=role, agency=where)
    users["administrator"] = _user("administrator", is_staff=True, is_superuser=True)
    return World(agency=agency, unit=unit, other_agency=other, service=service,
                 other_service=other_service, **users)


@pytest.fixture
def submit(world: World):
    def make(**overrides: Any) -> Submitted:
        fields: dict[str, Any] = {
            "actor": Actor(kind="citizen"),
            "service": world.service,
            "title": "KTP-el belum jadi",
            "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
            "reporter": {"name": "Siti Rahayu", "email": "siti@example.id"},
            "now": MONDAY_9_WIB,
        }
        fields.update(overrides)
        return complaint_submit(**fields)

    return make


# The actions, with a valid payload, that take a fresh complaint into each state.
PATH_TO = {
    State.RECEIVED: [],
    State.ASSIGNED: [(Action.ASSIGN, "coordinator")],
    State.RESPONDED: [(Action.ASSIGN, "coordinator"), (Action.RESPOND, "officer")],
    State.CLOSED: [(Action.ASSIGN, "coordinator"), (Action.RESPOND, "officer"),
                   (Action.ACCEPT, Role.CITIZEN)],
}


def valid_payload(action: str, world: World) -> dict[str, Any]:
    return {
        Action.ASSIGN: {"unit": world.unit.code, "assignee": "officer"},
        Action.REASSIGN: {"unit": world.unit.code, "assignee": "second_officer"},
        Action.REQUEST_INFO: {"message": "Mohon kirim nomor registrasi."},
        Action.PROVIDE_INFO: {"message": "Nomor registrasi 12345."},
        Action.EXTEND: {"clock": "first_response", "amount": 3, "reason": "Menunggu pusat."},
        Action.RESPOND: {"response": "KTP-el sudah dicetak dan dapat diambil."},
        Action.DISPUTE: {"reason": "Belum bisa diambil."},
        Action.ACCEPT: {"rating": 5, "comment": "Terima kasih."},
        Action.AUTO_CLOSE: {},
        Action.REJECT: {"reason": "spam"},
        Action.REFER: {"agency_name": "Kantor Imigrasi"},
        Action.WITHDRAW: {"reason": "Sudah selesai sendiri."},
    }[action]


@pytest.fixture
def complaint_in(world: World, submit):
    """A complaint driven through the workflow service into `state`."""

    def make(state: State, now: dt.datetime = MONDAY_9_WIB) -> Complaint:
        complaint = submit(now=now).complaint
        for step, (action, role) in enumerate(PATH_TO[state], start=1):
            complaint = complaint_transition(
                complaint=complaint, action=action, actor=world.actor(role, complaint),
                payload=valid_payload(action, world), now=now + dt.timedelta(minutes=step),
            )
        return complaint

    return make


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    # Row locks and SKIP LOCKED exist only on PostgreSQL; these run in its pass of `make test`.
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by the PostgreSQL pass of make test)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
