"""One world for the access-control matrices of tests/security: the personas of
tests/conftest.py, and ten complaints — named, anonymous and confidential, in the officers'
unit and in another agency, plus a few in the states the citizen's actions need — each with
a reporter whose name, e-mail, phone, NIK and address are marker strings found nowhere else.

The world is built once per module and committed (the event feed on PostgreSQL serves only
events of finished transactions, so an uncommitted world would be invisible to it); every
test runs in its own transaction, rolled back, and the module's last act is a flush. Nothing
here is autouse: the other modules of this folder are untouched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from complaints.models import Complaint, Membership, Visibility
from tests.conftest import MONDAY_9_WIB, World, build_world, valid_payload
from workflow.models import Event
from workflow.permissions import Actor
from workflow.services import complaint_submit, complaint_transition, reporter_for
from workflow.states import Action, Role

# The moment every test of these modules lives in: an hour after the world was built,
# Monday 2 February 2026, 10:00 WIB — every deadline running, none at risk.
SOON = MONDAY_9_WIB + dt.timedelta(hours=1)

PERSONAS = ("anonymous", "citizen", "wrong_citizen", "officer", "outside_officer",
            "coordinator", "supervisor", "ombudsman", "administrator")
STAFF = ("officer", "outside_officer", "coordinator", "supervisor", "ombudsman",
         "administrator")
SIGNED_OUT = ("anonymous", "citizen", "wrong_citizen")


@dataclass(frozen=True)
class Spec:
    """One complaint of the world: where it is, how private, how far along."""

    key: str
    where: str  # "unit": the officers' unit (Bidang KTP); "other": another agency (Dishub)
    visibility: str
    stage: str  # received / assigned / waiting (an open request for information) / responded
    consent: bool  # consent_to_share: the ombudsman may see the identity


SPECS = (
    Spec("named", "unit", Visibility.PUBLIC, "assigned", False),
    Spec("anonymous", "unit", Visibility.ANONYMOUS, "assigned", False),
    Spec("confidential", "unit", Visibility.CONFIDENTIAL, "assigned", True),
    Spec("fresh", "unit", Visibility.PUBLIC, "received", False),
    Spec("waiting", "unit", Visibility.PUBLIC, "waiting", False),
    Spec("responded", "unit", Visibility.PUBLIC, "responded", False),
    Spec("other_named", "other", Visibility.PUBLIC, "assigned", True),
    Spec("other_anonymous", "other", Visibility.ANONYMOUS, "assigned", True),
    Spec("other_confidential", "other", Visibility.CONFIDENTIAL, "assigned", False),
    # The wrong citizen's own complaint: their session and their access code open this one.
    Spec("stranger", "other", Visibility.PUBLIC, "received", False),
)
KEYS = tuple(s.key for s in SPECS)
# The objects of the per-complaint matrices: named, anonymous and confidential in the unit
# and in the other agency, the unassigned one, the stranger's. ("waiting" and "responded"
# differ from "named" only in stage: they serve the citizen's actions, lists and exports.)
OBJECTS = tuple(k for k in KEYS if k not in ("waiting", "responded"))
SPEC = {s.key: s for s in SPECS}

# Who may read which complaint (docs/security.md, "Roles and scope"): coordinators their
# agency, supervisors and officers their unit, ombudsman and administrators everything.
# Written out, not computed from the code under test.
UNIT = frozenset({"named", "anonymous", "confidential", "waiting", "responded"})
OTHER = frozenset({"other_named", "other_anonymous", "other_confidential"})
EVERYTHING = frozenset(KEYS)
VISIBLE: dict[str, frozenset[str]] = {
    "anonymous": frozenset(), "citizen": frozenset(), "wrong_citizen": frozenset(),
    "officer": UNIT, "supervisor": UNIT, "coordinator": UNIT | {"fresh"},
    "outside_officer": OTHER, "ombudsman": EVERYTHING, "administrator": EVERYTHING,
}
# Who may see the reporter's identity (docs/decisions.md, "Identity and privacy"): never
# any staff role for an anonymous complaint; the ombudsman only with consent.
ANONYMOUS = frozenset({"anonymous", "other_anonymous"})
CONSENTED = frozenset(s.key for s in SPECS if s.consent)
MAY_SEE_IDENTITY: dict[str, frozenset[str]] = {
    "officer": UNIT - ANONYMOUS, "supervisor": UNIT - ANONYMOUS,
    "coordinator": (UNIT | {"fresh"}) - ANONYMOUS, "outside_officer": OTHER - ANONYMOUS,
    "ombudsman": CONSENTED, "administrator": EVERYTHING - ANONYMOUS,
}


# The role recorded in the audit trail when each staff persona acts or views an identity
# (the first of their roles on the complaint, workflow.services).
ROLE_OF = {"officer": Role.OFFICER, "outside_officer": Role.OFFICER,
           "coordinator": Role.COORDINATOR, "supervisor": Role.SUPERVISOR,
           "ombudsman": Role.OMBUDSMAN, "administrator": Role.ADMINISTRATOR}


# --- marker strings ------------------------------------------------------------------------

def identity_of(key: str) -> dict[str, Any]:
    """The reporter of complaint `key`: every field a marker that nothing else contains
    (letters outside hex and outside the tracking-number alphabet's case)."""
    n = KEYS.index(key) + 1
    return {
        "name": f"Zarkovna Qwyn {key}",
        "email": f"qwyn.{key}@zarkovna.example",
        "phone": f"0812{n:04d}9377",
        "id_number": f"3174{n:012d}",
        "address": f"Jalan Zarkovna {key}",
        "consent_to_share": SPEC[key].consent,
    }


# Any of these in a body means some reporter's identity is in it. The words are matched as
# words: a CSRF token is 64 random letters and digits, and one held "qwyN".
IDENTITY_PATTERN = re.compile(
    "|".join([r"\bzarkovna\b", r"\bqwyn\b",
              *(re.escape(identity_of(k)["phone"]) for k in KEYS),
              *(re.escape(identity_of(k)["id_number"]) for k in KEYS)]),
    re.IGNORECASE)


def title_of(key: str) -> str:
    return f"Xylofon {key} keluhan"


def description_of(key: str) -> str:
    return f"Vortigaunt {key} uraian: antrean KTP-el tidak bergerak."


def identities_in(body: str | bytes) -> list[str]:
    """Every identity marker found in `body` (empty: no identity there)."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    return IDENTITY_PATTERN.findall(text)


def contents_in(body: str | bytes) -> set[str]:
    """The complaints whose title or description is in `body`."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    return {k for k in KEYS if f"Xylofon {k} " in text or f"Vortigaunt {k} " in text}


def identity_keys_in(body: str | bytes) -> set[str]:
    """The complaints whose reporter's name, e-mail, phone, NIK or address is in `body`."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    return {k for k in KEYS if any(identity_of(k)[f] in text
                                   for f in ("name", "email", "phone", "id_number", "address"))}


def holds(persona: str, key: str) -> bool:
    """Whether `persona` holds complaint `key`'s access code (the wrong citizen holds only
    the stranger's)."""
    return persona == "citizen" or (persona == "wrong_citizen" and key == "stranger")


def shows_identity_of(body: str | bytes, key: str) -> bool:
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    person = identity_of(key)
    return all(person[f] in text for f in ("name", "email", "phone", "id_number", "address"))


# --- the world -----------------------------------------------------------------------------

@dataclass
class Town:
    world: World
    complaints: dict[str, Complaint]
    tokens: dict[str, str]  # complaint key → the citizen's access code
    secrets: dict[str, str]  # staff persona → API token
    # Session keys, made once: staff personas signed in, and for each complaint a citizen's
    # browser that opened it with its private link (the wrong citizen's: "stranger").
    sessions: dict[str, str]

    def number(self, key: str) -> str:
        return self.complaints[key].tracking_number

    def user(self, persona: str) -> Any:
        return getattr(self.world, persona)

    def key_of(self, number: str) -> str | None:
        return next((k for k, c in self.complaints.items() if c.tracking_number == number),
                    None)


def _complaint(world: World, spec: Spec, coordinators: dict[str, Actor],
               now: dt.datetime) -> tuple[Complaint, str]:
    unit, officer = ((world.unit, world.officer) if spec.where == "unit"
                     else (world.other_agency, world.outside_officer))
    submitted = complaint_submit(
        actor=Actor(kind="citizen"),
        service=world.service if spec.where == "unit" else world.other_service,
        title=title_of(spec.key), description=description_of(spec.key),
        visibility=spec.visibility, reporter=identity_of(spec.key), now=now)
    complaint = submitted.complaint
    steps: list[tuple[str, Actor, dict[str, Any]]] = []
    if spec.stage != "received":
        steps.append((Action.ASSIGN, coordinators[spec.where],
                      {"unit": unit.code, "assignee": officer.get_username()}))
    if spec.stage == "waiting":
        steps.append((Action.REQUEST_INFO, Actor.staff(officer),
                      valid_payload(Action.REQUEST_INFO, world)))
    if spec.stage == "responded":
        steps.append((Action.RESPOND, Actor.staff(officer),
                      valid_payload(Action.RESPOND, world)))
    for minute, (action, actor, payload) in enumerate(steps, start=1):
        complaint = complaint_transition(complaint=complaint, action=action, actor=actor,
                                         payload=payload,
                                         now=now + dt.timedelta(minutes=minute))
    return complaint, submitted.access_token


def build_town() -> Town:
    world = build_world()
    # Dishub's coordinator only places the other agency's complaints; not a persona.
    other_coordinator = get_user_model().objects.create_user(
        username="other_coordinator", email="other_coordinator@example.go.id", password="x")
    Membership.objects.create(user=other_coordinator, role=Role.COORDINATOR,
                              agency=world.other_agency)
    coordinators = {"unit": Actor.staff(world.coordinator),
                    "other": Actor.staff(other_coordinator)}
    complaints, tokens = {}, {}
    for i, spec in enumerate(SPECS):
        complaints[spec.key], tokens[spec.key] = _complaint(
            world, spec, coordinators, MONDAY_9_WIB + dt.timedelta(minutes=5 * i))
    # One identity view already on record: the ombudsman's, on a complaint whose reporter
    # consented (the feed and the timelines must show it as an event, never its content).
    reporter_for(complaints["confidential"], Actor.staff(world.ombudsman),
                 now=MONDAY_9_WIB + dt.timedelta(minutes=55))
    secrets = {p: ApiToken.issue(getattr(world, p), "security matrix")[1] for p in STAFF}
    town = Town(world, {k: Complaint.objects.get(pk=c.pk) for k, c in complaints.items()},
                tokens, secrets, {})
    for persona in STAFF:
        client = Client()
        client.force_login(town.user(persona))
        town.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for key in KEYS:
        client = Client()
        assert client.get(private_link(town, key)).status_code == 302
        town.sessions[f"citizen:{key}"] = client.cookies[settings.SESSION_COOKIE_NAME].value
    cache.clear()
    return town


@pytest.fixture(scope="module")
def town(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Town]:
    """The world, committed once for the module; flushed when the module is done."""
    with django_db_blocker.unblock():
        try:
            with time_machine.travel(MONDAY_9_WIB, tick=False):
                built = build_town()
            yield built
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(SOON, tick=False):
        yield


@pytest.fixture
def fresh_cache() -> None:
    # The citizen's number-and-code budget (THROTTLE_CITIZEN) is per address, and every
    # request of these tests comes from the same one.
    cache.clear()


@pytest.fixture
def matrix(town: Town, db: Any, frozen: None, fresh_cache: None) -> Town:
    """The world, for a test that runs in its own transaction at SOON."""
    return town


# --- clients of each persona ---------------------------------------------------------------

def private_link(town: Town, key: str, token: str | None = None) -> str:
    return reverse("citizen:track_link", args=[town.number(key), token or town.tokens[key]])


def browser(town: Town, persona: str, key: str | None = None) -> Client:
    """A browser of `persona`: signed in for staff; for `citizen`, a session that opened
    complaint `key` with its private link; for `wrong_citizen`, one that opened only the
    stranger's own complaint. (The sessions were made with the world: a sign-in per test
    would cost more than the request under test.)"""
    client = Client(headers={"accept-language": "en"})
    session = None
    if persona in STAFF:
        session = town.sessions[persona]
    elif persona in ("citizen", "wrong_citizen"):
        opened = key if persona == "citizen" else "stranger"
        assert opened is not None
        session = town.sessions[f"citizen:{opened}"]
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    return client


def api_client(town: Town, persona: str, key: str | None = None) -> APIClient:
    """An API client of `persona`: staff with their API token; `citizen` with the access
    code of complaint `key`; `wrong_citizen` with the stranger's code."""
    client = APIClient()
    if persona in STAFF:
        client.credentials(HTTP_AUTHORIZATION=f"Token {town.secrets[persona]}")
    elif persona == "citizen":
        assert key is not None
        client.credentials(HTTP_X_ACCESS_TOKEN=town.tokens[key])
    elif persona == "wrong_citizen":
        client.credentials(HTTP_X_ACCESS_TOKEN=town.tokens["stranger"])
    return client


def events_of(town: Town, key: str) -> list[tuple[str, str, str]]:
    """Complaint `key`'s audit trail as (action, actor, role)."""
    return list(Event.objects.filter(complaint=town.complaints[key]).order_by("seq")
                .values_list("action", "actor_label", "role"))


def body_of(response: Any) -> bytes:
    """The whole body, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
