"""Who gets what: every persona against every endpoint, for one assigned public complaint —
the exact status, and that the reporter's identity appears only where it may."""

from __future__ import annotations

import itertools

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.conftest import valid_payload
from workflow.services import complaint_transition
from workflow.states import Action, Role

PERSONAS = ["anonymous", "citizen", "wrong_citizen", "officer", "outside_officer",
            "coordinator", "supervisor", "ombudsman", "administrator"]

# endpoint → expected status per persona, in PERSONAS order.
EXPECTED = {
    "list":       [401, 401, 401, 200, 200, 200, 200, 200, 200],
    "detail":     [401, 200, 404, 200, 404, 200, 200, 200, 200],
    "respond":    [401, 403, 404, 200, 404, 403, 403, 403, 403],
    "events":     [401, 401, 401, 200, 404, 200, 200, 200, 200],
    "verify":     [401, 401, 401, 200, 404, 200, 200, 200, 200],
    "reporter":   [401, 200, 404, 200, 404, 200, 200, 403, 200],
    "services":   [200, 200, 200, 200, 200, 200, 200, 200, 200],
}
# Where the reporter's identity may appear at all.
SHOWS_IDENTITY = {("reporter", p) for p in ("citizen", "officer", "coordinator",
                                            "supervisor", "administrator")}


def _request(client: APIClient, endpoint: str, number: str, world):
    base = f"/api/v1/complaints/{number}/"
    if endpoint == "list":
        return client.get("/api/v1/complaints/")
    if endpoint == "services":
        return client.get("/api/v1/services/")
    if endpoint == "respond":
        return client.post(f"{base}transitions/respond/",
                           valid_payload(Action.RESPOND, world), format="json")
    suffix = {"detail": "", "events": "events/", "verify": "events/verify/",
              "reporter": "reporter/"}[endpoint]
    return client.get(base + suffix)


def _client(persona: str, world, access_token: str) -> APIClient:
    client = APIClient()
    if persona == "citizen":
        client.credentials(HTTP_X_ACCESS_TOKEN=access_token)
    elif persona == "wrong_citizen":
        client.credentials(HTTP_X_ACCESS_TOKEN=access_token[::-1])
    elif persona != "anonymous":
        _token, secret = ApiToken.issue(getattr(world, persona), "matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


CASES = [(e, i, p) for e, (i, p) in itertools.product(EXPECTED, enumerate(PERSONAS))]


@pytest.mark.parametrize(("endpoint", "index", "persona"), CASES,
                         ids=[f"{e}-{p}" for e, _i, p in CASES])
def test_access(world, submit, endpoint, index, persona):
    submitted = submit()
    number = submitted.complaint.tracking_number
    complaint_transition(complaint=submitted.complaint, action=Action.ASSIGN,
                         actor=world.actor(Role.COORDINATOR),
                         payload=valid_payload(Action.ASSIGN, world))

    response = _request(_client(persona, world, submitted.access_token), endpoint, number,
                        world)

    assert response.status_code == EXPECTED[endpoint][index], response.content
    body = response.content.decode()
    if (endpoint, persona) not in SHOWS_IDENTITY:
        assert "Siti Rahayu" not in body and "siti@example.id" not in body
    if endpoint == "list" and response.status_code == 200:
        listed = number in body
        assert listed == (persona != "outside_officer")
