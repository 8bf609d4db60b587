"""What the schema fuzzer runs against: the personas' data, a few complaints in every state
with their citizens' access tokens, an API token per persona, and an application that
answers in process without throttling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from tests.conftest import PATH_TO, World, valid_payload
from workflow.services import complaint_transition
from workflow.states import Action, State

PERSONAS = ("anonymous", "coordinator", "ombudsman")


@dataclass
class FuzzData:
    """Real records for the generated requests to hit. Filled per test by `fuzz_data`; read
    by the schema's hooks while Hypothesis draws."""

    tracking_numbers: list[str] = field(default_factory=list)
    access_tokens: dict[str, str] = field(default_factory=dict)
    service_codes: list[str] = field(default_factory=list)
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorization: dict[str, str] = field(default_factory=dict)


CURRENT = FuzzData()


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every DRF throttle (the REST API's and Open311's) lets every request through, so a
    429 never hides what the request would otherwise have found."""
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    cache.clear()


@pytest.fixture
def in_process() -> Iterator[None]:
    """The WSGI application shares the test's database connection and transaction, as
    Django's own test client arranges: no closing of "old" connections around requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(world: World, submit: Any, unthrottled: None, in_process: None
              ) -> Iterator[FuzzData]:
    data = FuzzData(service_codes=[world.service.code, world.other_service.code],
                    payloads={action: valid_payload(action, world) for action in Action.values})
    variants = [
        (State.RECEIVED, {}), (State.RECEIVED, {"visibility": "anonymous"}),
        (State.ASSIGNED, {"visibility": "confidential"}), (State.RESPONDED, {}),
        (State.CLOSED, {}), (State.RECEIVED, {"service": world.other_service}),
    ]
    # All filed with the coordinator's agency but the last, which is outside their scope.
    for state, fields in variants:
        submitted = submit(**fields)
        complaint = submitted.complaint
        for action, role in PATH_TO[state]:
            complaint = complaint_transition(
                complaint=complaint, action=action, actor=world.actor(role, complaint),
                payload=valid_payload(action, world))
        data.tracking_numbers.append(complaint.tracking_number)
        data.access_tokens[complaint.tracking_number] = submitted.access_token
    for persona in PERSONAS[1:]:
        _token, secret = ApiToken.issue(getattr(world, persona), "fuzzing")
        data.authorization[persona] = f"Token {secret}"
    CURRENT.__dict__.update(data.__dict__)
    yield data
    CURRENT.__dict__.update(FuzzData().__dict__)
