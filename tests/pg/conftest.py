"""Data for comparing what PostgreSQL writes with what Python writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.models import Clock
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

TEXTS = [
    'He said "no", then left', "=HYPERLINK(\"http://x\")", "-5 hari", "+62 812", "@admin",
    "\tindented", "line one\r\nline two", "comma, inside", "plain ünïcödé — ok",
]


@pytest.fixture
def variety(world, submit, complaint_in):
    """Complaints in every state and with every kind of text; paused, extended, disputed,
    breached and never-started clocks; a duplicate and a referral; feedback; coordinates;
    agencies east and west of UTC."""
    act = _actor(world)
    made = [complaint_in(state) for state in State]
    for i, text in enumerate(TEXTS):
        made.append(submit(title=text[:200], description=text, location_text=text,
                           latitude=Decimal("-6.175392"), longitude=Decimal(106 + i),
                           now=MONDAY_9_WIB + dt.timedelta(microseconds=123457 * i + 1))
                    .complaint)
    paused = complaint_in(State.ASSIGNED)
    act(paused, Action.REQUEST_INFO, Role.OFFICER, 2)
    extended = complaint_in(State.ASSIGNED)
    act(extended, Action.EXTEND, Role.SUPERVISOR, 3)
    disputed = complaint_in(State.RESPONDED)
    act(disputed, Action.DISPUTE, Role.CITIZEN, 4)
    act(disputed, Action.RESPOND, Role.OFFICER, 5)
    duplicate = submit().complaint
    complaint_transition(complaint=duplicate, action=Action.REJECT,
                         actor=world.actor(Role.COORDINATOR),
                         payload={"reason": "duplicate", "duplicate_of": made[0].tracking_number},
                         now=MONDAY_9_WIB + dt.timedelta(minutes=6))
    referred = submit().complaint
    complaint_transition(complaint=referred, action=Action.REFER,
                         actor=world.actor(Role.COORDINATOR),
                         payload={"service": world.other_service.code},
                         now=MONDAY_9_WIB + dt.timedelta(minutes=7))
    # A breach recorded by the sweeper, and the other agency west of UTC.
    Clock.objects.filter(complaint=made[0], name="verify").update(
        breached_at=MONDAY_9_WIB + dt.timedelta(days=1, microseconds=5))
    world.other_agency.time_zone = "America/Sao_Paulo"
    world.other_agency.save()
    # A username and a slug may begin like a formula (never hold a quote or a comma).
    world.officer.username = "+62officer"
    world.officer.first_name, world.officer.last_name = "\u2003Budi", "\x85"  # to strip
    world.officer.save()
    world.unit.code = "-ktp"
    world.unit.save()
    return made


def _actor(world):
    def act(complaint, action, role, minutes):
        complaint_transition(complaint=complaint, action=action,
                             actor=world.actor(role, complaint),
                             payload=valid_payload(action, world),
                             now=MONDAY_9_WIB + dt.timedelta(hours=1, minutes=minutes))
    return act
