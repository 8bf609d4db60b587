"""The change feed of audit events: `exports/events.jsonl?after=CURSOR&limit=N`.

Transactional: on PostgreSQL the feed serves only events of transactions older than every
running one, and a test wrapped in one transaction would never see its own events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from api.exports.complaints import json_line
from api.serializers import EventSerializer
from complaints.models import Membership
from tests.api.conftest import error_code
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.models import Event
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/exports/events.jsonl"
EXPORT_URL = "/api/v1/exports/complaints.jsonl"


def lines_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    return b"".join(response.streaming_content).decode().splitlines()


def read(response: Any) -> tuple[list[dict[str, Any]], str]:
    """The events of one response and the cursor to continue from."""
    *events, trailer = (json.loads(line) for line in lines_of(response))
    assert list(trailer) == ["next_cursor"]
    assert response["X-Next-Cursor"] == trailer["next_cursor"]
    return events, trailer["next_cursor"]


def follow(client: Any, limit: int, after: str | None = None
           ) -> tuple[list[list[dict[str, Any]]], str | None]:
    """Every page until one holds fewer than `limit` events."""
    pages = []
    while True:
        events, after = read(client.get(URL, {"limit": limit, **({"after": after} if after
                                                                 else {})}))
        pages.append(events)
        if len(events) < limit:
            return pages, after


def expected_feed(**filters: Any) -> list[dict[str, Any]]:
    events = Event.objects.filter(**filters).select_related("complaint").order_by("txid", "id")
    return [{**EventSerializer(e).data, "cursor": f"{e.txid}-{e.pk}"} for e in events]


def act(world: Any, complaint: Any, action: str, role: str, minutes: int) -> Any:
    actor = world.actor(role, complaint if role == Role.CITIZEN else None)
    return complaint_transition(complaint=complaint, action=action, actor=actor,
                                payload=valid_payload(action, world),
                                now=MONDAY_9_WIB + dt.timedelta(minutes=minutes))


@pytest.fixture
def interleaved(world, submit):
    """Two complaints whose events alternate."""
    first = submit().complaint
    second = submit().complaint
    act(world, first, Action.ASSIGN, Role.COORDINATOR, 1)
    act(world, second, Action.ASSIGN, Role.COORDINATOR, 2)
    act(world, first, Action.RESPOND, Role.OFFICER, 3)
    act(world, second, Action.REQUEST_INFO, Role.OFFICER, 4)
    act(world, first, Action.ACCEPT, Role.CITIZEN, 5)
    return first, second


def test_needs_credentials(world, api):
    response = api.get(URL)
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


def test_every_event_in_commit_order_as_the_events_endpoint_shows_it(world, as_persona,
                                                                     interleaved):
    first, second = interleaved
    events, cursor = read(as_persona("ombudsman").get(URL))
    assert events == expected_feed()
    # Byte for byte what the Python path writes, on every database (PostgreSQL writes the
    # lines itself).
    assert lines_of(as_persona("ombudsman").get(URL))[:-1] == [
        json_line(e).rstrip("\n") for e in expected_feed()]
    assert [(e["tracking_number"], e["seq"], e["action"]) for e in events] == [
        (first.tracking_number, 1, "submit"), (second.tracking_number, 1, "submit"),
        (first.tracking_number, 2, "assign"), (second.tracking_number, 2, "assign"),
        (first.tracking_number, 3, "respond"), (second.tracking_number, 3, "request_info"),
        (first.tracking_number, 4, "accept"),
    ]
    # The same keys in the same order on every database (PostgreSQL writes the lines itself).
    assert [list(e) for e in events] == [[
        "tracking_number", "seq", "action", "actor", "role", "occurred_at", "from_state",
        "to_state", "payload", "prev_hash", "hash", "cursor"]] * len(events)
    assert cursor == events[-1]["cursor"]


def test_cursor_pages_give_every_event_exactly_once(world, as_persona, interleaved):
    client = as_persona("ombudsman")
    pages, cursor = follow(client, limit=2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    served = [e for page in pages for e in page]
    assert served == expected_feed()
    assert len({e["hash"] for e in served}) == len(served)

    # Up to date: the same cursor gives nothing, and stays where it is.
    assert read(client.get(URL, {"after": cursor})) == ([], cursor)
    # Then exactly what happened since.
    act(world, interleaved[1], Action.PROVIDE_INFO, Role.CITIZEN, 6)
    events, after = read(client.get(URL, {"after": cursor}))
    assert [(e["tracking_number"], e["action"]) for e in events] == [
        (interleaved[1].tracking_number, "provide_info")]
    assert after == events[0]["cursor"]


@pytest.mark.parametrize("limit", [1, 7])
def test_a_page_is_one_query_whatever_its_size(world, as_persona, interleaved, limit,
                                               django_assert_num_queries):
    client = as_persona("ombudsman")
    client.get(URL)  # the token's first use records last_used_at
    # 1 the API token with its user and their memberships, 2 the page.
    with django_assert_num_queries(2):
        events, cursor = read(client.get(URL, {"limit": limit}))
    assert len(events) == limit and cursor == events[-1]["cursor"]


def test_an_event_s_own_cursor_resumes_after_it(world, as_persona, interleaved):
    client = as_persona("ombudsman")
    everything = expected_feed()
    events, _ = read(client.get(URL, {"after": everything[2]["cursor"], "limit": 3}))
    assert events == everything[3:6]


def test_the_first_request_may_start_from_zero(world, as_persona, interleaved):
    events, _ = read(as_persona("ombudsman").get(URL, {"after": "0-0"}))
    assert events == expected_feed()


@pytest.mark.parametrize("cursor", [
    "", "abc", "12", "1-", "-1", "1-2-3", "1_2", " 1-2", "1-2 ", "-1-2", "01-2", "1-02",
    "1.0-2", "+1-2", "１-2", "99999999999999999999-1", "9223372036854775808-1",
])
def test_a_malformed_cursor_is_400(world, as_persona, cursor):
    response = as_persona("ombudsman").get(URL, {"after": cursor})
    assert response.status_code == 400 and error_code(response) == "invalid_cursor"
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("limit", ["0", "-1", "10001", "many", "1.5"])
def test_limit_outside_1_to_10000_is_400(world, as_persona, limit):
    response = as_persona("ombudsman").get(URL, {"limit": limit})
    assert response.status_code == 400 and error_code(response) == "invalid_input"
    assert set(response.json()["error"]["details"]["errors"]) == {"limit"}


def test_the_largest_limit_is_accepted(world, as_persona, interleaved):
    events, _ = read(as_persona("ombudsman").get(URL, {"limit": 10000}))
    assert len(events) == 7


def test_staff_follow_only_complaints_they_may_read(world, as_persona, interleaved, submit,
                                                    complaint_in):
    first, second = interleaved
    unassigned = submit().complaint
    elsewhere = submit(service=world.other_service).complaint
    user = get_user_model().objects.create_user(username="koordinator.dishub", password="x")
    Membership.objects.create(user=user, role=Role.COORDINATOR, agency=world.other_agency)
    world.coordinator_elsewhere = user

    def numbers(persona: str) -> set[str]:
        return {e["tracking_number"] for e in read(as_persona(persona).get(URL))[0]}

    ours = {first.tracking_number, second.tracking_number}
    assert numbers("coordinator") == ours | {unassigned.tracking_number}
    assert numbers("officer") == numbers("supervisor") == ours
    assert numbers("outside_officer") == set()
    assert numbers("coordinator_elsewhere") == {elsewhere.tracking_number}
    assert numbers("ombudsman") == ours | {unassigned.tracking_number,
                                           elsewhere.tracking_number}
    officer_events, _ = read(as_persona("officer").get(URL))
    assert officer_events == expected_feed(complaint__in=[first, second])


def test_identity_views_are_in_the_feed(world, as_persona, submit):
    complaint = submit(reporter={"name": "Siti Rahayu", "consent_to_share": True}).complaint
    client = as_persona("ombudsman")
    _, cursor = read(client.get(URL))
    assert client.get(f"/api/v1/complaints/{complaint.tracking_number}/reporter/").status_code \
        == 200
    events, _ = read(client.get(URL, {"after": cursor}))
    assert [(e["action"], e["actor"], e["role"]) for e in events] == [
        ("identity_viewed", "ombudsman", "ombudsman")]
    assert "Siti" not in json.dumps(events)


# --- the verification code of docs/ombudsman.md, run as is ----------------------------

def documented_verifier() -> dict[str, Any]:
    text = (Path(settings.BASE_DIR) / "docs" / "ombudsman.md").read_text()
    block = re.search(r"<!-- verify-feed:[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert block, "docs/ombudsman.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(block[1], "docs/ombudsman.md", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_documented_code_verifies_a_real_feed_and_export(world, as_persona, interleaved,
                                                              complaint_in):
    complaint_in(State.CLOSED)
    docs = documented_verifier()
    client = as_persona("ombudsman")
    chains: dict[str, tuple[int, str]] = {}
    cursor = None
    pages = []
    while True:
        response = client.get(URL, {"limit": 3, **({"after": cursor} if cursor else {})})
        lines = lines_of(response)
        pages.append(lines)
        cursor = docs["verify_page"](lines, chains)
        if len(lines) - 1 < 3:
            break
    assert sum(len(p) - 1 for p in pages) == Event.objects.count() == 11
    export = [json.loads(line) for line in lines_of(client.get(EXPORT_URL))]
    docs["compare_with_export"](export, chains)
    assert len(chains) == len(export) == 3


def test_the_documented_code_catches_tampering(world, as_persona, interleaved):
    docs = documented_verifier()
    lines = lines_of(as_persona("ombudsman").get(URL))
    docs["verify_page"](lines, {})

    changed = json.loads(lines[2])
    changed["payload"]["assignee"] = "someone.else"
    with pytest.raises(ValueError, match="event 2 was changed"):
        docs["verify_page"]([*lines[:2], json.dumps(changed), *lines[3:]], {})
    with pytest.raises(ValueError, match="expected event 2, found 3"):
        docs["verify_page"]([*lines[:2], *lines[3:]], {})
    with pytest.raises(ValueError, match="cut short"):
        docs["verify_page"](lines[:-1], {})
    # The chain alone cannot show its last event removed; the export's anchor does.
    first_number = json.loads(lines[-2])["tracking_number"]
    chains: dict[str, tuple[int, str]] = {}
    docs["verify_page"]([line for line in lines
                         if json.loads(line).get("action") != "accept"], chains)
    export = [json.loads(line) for line in lines_of(as_persona("ombudsman").get(EXPORT_URL))]
    with pytest.raises(ValueError, match=f"{first_number}: the export's last event"):
        docs["compare_with_export"](export, chains)
