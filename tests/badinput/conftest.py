"""Bad input: every request here is refused with a clear 4xx in the API's one error shape
(Open311's own list for /open311/), and nothing already stored changes.

`stored` is a complaint with a history (submitted, assigned, asked for information) and its
citizen's access token; `stored.unchanged()` snapshots every table a request could write
and asserts, on leaving the block, that each is exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model

from api.models import ApiToken, IdempotencyRecord
from complaints.models import Attachment, Complaint, Feedback, Reporter
from tests.api.conftest import api, as_persona, fresh_throttles  # noqa: F401
from tests.conftest import PATH_TO, World, valid_payload
from workflow.models import Clock, Event, Notification
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, State

WATCHED: tuple[type[Model], ...] = (
    Complaint, Event, Clock, Reporter, Attachment, Feedback, Notification, IdempotencyRecord,
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def snapshot() -> dict[str, Any]:
    """Every row of every table a request could write, field by field, except the API
    tokens' last use (authentication records it)."""
    state: dict[str, Any] = {m.__name__: list(m.objects.order_by("pk").values())
                             for m in WATCHED}
    state["ApiToken"] = list(ApiToken.objects.order_by("pk").values("pk", "revoked_at"))
    return state


@dataclass
class Stored:
    complaint: Complaint
    access_token: str

    @property
    def number(self) -> str:
        return self.complaint.tracking_number

    @contextmanager
    def unchanged(self) -> Iterator[None]:
        before = snapshot()
        yield
        after = snapshot()
        for table, rows in before.items():
            assert after[table] == rows, f"{table} changed"


def stored_in(world: World, submit: Any, state: str, **fields: Any) -> Stored:
    """A complaint driven into `state` through the workflow service, with its token."""
    submitted = submit(**fields)
    complaint = submitted.complaint
    for action, role in PATH_TO[state]:
        complaint = complaint_transition(complaint=complaint, action=action,
                                         actor=world.actor(role, complaint),
                                         payload=valid_payload(action, world))
    return Stored(complaint, submitted.access_token)


@pytest.fixture
def stored(world: World, submit: Any) -> Stored:
    """Assigned, with an open request for information: clocks running and paused."""
    complaint = stored_in(world, submit, State.ASSIGNED, reporter={
        "name": "Siti Rahayu", "email": "siti@example.id", "consent_to_share": True})
    complaint.complaint = complaint_transition(
        complaint=complaint.complaint, action=Action.REQUEST_INFO,
        actor=Actor.staff(world.officer), payload=valid_payload(Action.REQUEST_INFO, world))
    return complaint


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, exactly: `{"error": {"code", "message", "details"}}` in JSON."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert error["message"] and isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_open311_error(response: Any, status: int) -> str:
    """Open311's shape: a list of `{code, description}` with the HTTP status as code."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == status
    return body[0]["description"]


def multipart(fields: dict[str, str], files: list[tuple[str, bytes, str]],
              *, boundary: str = "aduan-bad-input") -> tuple[bytes, str]:
    """A multipart body written by hand, so that file names reach the server exactly as
    given (Django's test client keeps only their last path component)."""
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    for disposition, content, content_type in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
                     f"{disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
