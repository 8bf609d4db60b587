"""Open311 GeoReport v2 × every persona × the complaints of the world: the exact status,
exactly the public requests (confidential complaints never appear, and answer 404 like an
unknown id), and never a reporter's identity (docs/open311.md).

Open311 has no sign-in: a persona shows up as the `api_key` it sends. Staff send their API
token, which is valid and changes nothing; a citizen who sends their access code (which is
not an API token) or anyone sending a made-up key gets 403 on every method.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from complaints.models import Complaint, Reporter
from tests.security.conftest import (
    KEYS,
    OBJECTS,
    PERSONAS,
    STAFF,
    Town,
    api_client,
    contents_in,
    identities_in,
)

pytestmark = pytest.mark.usefixtures("matrix")

BASE = "/open311/v2"
CONFIDENTIAL = frozenset({"confidential", "other_confidential"})
PUBLIC = frozenset(KEYS) - CONFIDENTIAL


def api_key(town: Town, persona: str, key: str = "named") -> str | None:
    if persona in STAFF:
        return town.secrets[persona]
    return {"anonymous": None, "citizen": town.tokens[key],
            "wrong_citizen": "0000.not-a-token"}[persona]


def refused(persona: str) -> bool:
    return persona in ("citizen", "wrong_citizen")


def get(town: Town, persona: str, path: str, key: str = "named", **query: str) -> Any:
    key_value = api_key(town, persona, key)
    if key_value is not None:
        query["api_key"] = key_value
    return api_client(town, "anonymous").get(f"{BASE}/{path}", query)


def request_ids(response: Any) -> set[str]:
    if response["Content-Type"].startswith("text/xml"):
        return set(re.findall(r"<service_request_id>([^<]*)</service_request_id>",
                              response.content.decode()))
    return {item["service_request_id"] for item in json.loads(response.content)}


def assert_refused(response: Any, status: int) -> None:
    assert response.status_code == status
    body = response.content.decode()
    assert not identities_in(body) and contents_in(body) == set()
    if response["Content-Type"].startswith("application/json"):
        assert [e["code"] for e in json.loads(body)] == [status]
    else:
        assert f"<code>{status}</code>" in body


GENERAL = ("discovery.json", "discovery.xml", "services.json", "services.xml",
           "services/ktp-el.json", "services/parkir.xml")
GENERAL_CASES = [(path, p) for path in GENERAL for p in PERSONAS]


@pytest.mark.parametrize(("path", "persona"), GENERAL_CASES,
                         ids=[f"{path}-{p}" for path, p in GENERAL_CASES])
def test_discovery_and_services(town, path, persona):
    response = get(town, persona, path)

    if refused(persona):
        assert_refused(response, 403)
        return
    assert response.status_code == 200
    assert contents_in(response.content) == set()
    assert not identities_in(response.content)


LIST_CASES = [(fmt, p) for fmt in ("json", "xml") for p in PERSONAS]


@pytest.mark.parametrize(("fmt", "persona"), LIST_CASES,
                         ids=[f"{f}-{p}" for f, p in LIST_CASES])
def test_requests_list(town, fmt, persona):
    """Every public request, the same for everyone with a valid key or none; a staff key
    does not widen it to confidential complaints."""
    response = get(town, persona, f"requests.{fmt}")

    if refused(persona):
        assert_refused(response, 403)
        return
    assert response.status_code == 200
    assert request_ids(response) == {town.number(k) for k in PUBLIC}
    assert contents_in(response.content) == PUBLIC
    assert not identities_in(response.content)


@pytest.mark.parametrize("persona", PERSONAS)
def test_requests_by_id_skip_confidential(town, persona):
    """Asking for every number by id ("overrides all other arguments") still leaves the
    confidential ones out."""
    everything = ",".join(town.number(k) for k in KEYS)
    response = get(town, persona, "requests.json", service_request_id=everything)

    if refused(persona):
        assert_refused(response, 403)
        return
    assert response.status_code == 200
    assert request_ids(response) == {town.number(k) for k in PUBLIC}
    assert not identities_in(response.content)


# (XML is the same representation through another renderer: the lists above cover it.)
ONE = ("requests/{n}.json", "tokens/{n}.json")
ONE_CASES = [(path, p, k) for path in ONE for p in PERSONAS for k in OBJECTS]


@pytest.mark.parametrize(("path", "persona", "key"), ONE_CASES,
                         ids=[f"{path.split('/')[0]}-{p}-{k}"
                              for path, p, k in ONE_CASES])
def test_one_request(town, path, persona, key):
    response = get(town, persona, path.format(n=town.number(key)), key)

    if refused(persona):
        assert_refused(response, 403)
    elif key in CONFIDENTIAL:
        assert_refused(response, 404)  # exactly as for an unknown id
    else:
        assert response.status_code == 200
        assert request_ids(response) == {town.number(key)}
        expected = {key} if path.startswith("requests") else set()
        assert contents_in(response.content) == expected
        assert not identities_in(response.content)


def submission(town: Town, persona: str, visibility: str) -> dict[str, str]:
    body = {"service_code": "ktp-el", "description": "Xylofon posted keluhan dari aplikasi.",
            "address_string": "Jl. Merdeka 1", "first_name": "Zarkovna",
            "last_name": f"Qwyn {visibility}", "email": f"qwyn.{visibility}@zarkovna.example",
            "phone": "0812 7777 9377", "visibility": visibility}
    key_value = api_key(town, persona)
    if key_value is not None:
        body["api_key"] = key_value
    return body


POST_CASES = [(p, v) for p in PERSONAS for v in ("public", "anonymous")]


@pytest.mark.parametrize(("persona", "visibility"), POST_CASES,
                         ids=[f"{p}-{v}" for p, v in POST_CASES])
def test_post_request(town, persona, visibility):
    """A submission keeps the reporter's details (they reach the complaint's reporter) but
    no answer gives them back: not the POST's, not the request's own page, not the list."""
    client = api_client(town, "anonymous")
    before = Complaint.objects.count()

    response = client.post(f"{BASE}/requests.json", submission(town, persona, visibility))

    if refused(persona):
        assert_refused(response, 403)
        assert Complaint.objects.count() == before
        return
    assert response.status_code == 200
    assert not identities_in(response.content)
    [created] = json.loads(response.content)
    number = created["service_request_id"]
    reporter = Reporter.objects.get(complaint__tracking_number=number)
    assert (reporter.name, reporter.email) == (
        f"Zarkovna Qwyn {visibility}", f"qwyn.{visibility}@zarkovna.example")
    for path in (f"requests/{number}.json", f"requests/{number}.xml", "requests.json"):
        shown = client.get(f"{BASE}/{path}")
        assert shown.status_code == 200
        assert number in shown.content.decode()
        assert not identities_in(shown.content)
