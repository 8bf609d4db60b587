"""Who gets which export: complaints.csv, complaints.jsonl, the events feed and the public
statistics × every persona — the exact status, exactly the complaints of the persona's scope
(confidential ones included: confidentiality hides a complaint from public lists, not from
oversight), and never a reporter's identity, whoever asks and whatever they consented to
(docs/ombudsman.md, "Identity")."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.security.conftest import (
    ANONYMOUS,
    KEYS,
    PERSONAS,
    SPEC,
    VISIBLE,
    Town,
    api_client,
    body_of,
    contents_in,
    identities_in,
)

pytestmark = pytest.mark.usefixtures("matrix")

BASE = "/api/v1/exports/"
EXPORTS = ("complaints.csv", "complaints.jsonl", "events.jsonl")
# Status per persona, in PERSONAS order: the exports are for signed-in staff and the
# ombudsman; a citizen's access code is not a credential for them.
EXPORT_STATUS = [401, 401, 401, 200, 200, 200, 200, 200, 200]
CASES = [(e, p, s) for e in EXPORTS for p, s in zip(PERSONAS, EXPORT_STATUS, strict=True)]

# Nothing in a header may name a part of the reporter.
IDENTITY_WORDS = ("reporter", "email", "e_mail", "phone", "nik", "id_number", "address",
                  "consent", "contact")


def records(export: str, content: bytes) -> list[dict[str, Any]]:
    text = content.decode("utf-8-sig")
    if export == "complaints.csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    return [json.loads(line) for line in text.splitlines()]


def complaint_keys(town: Town, rows: list[dict[str, Any]]) -> set[str]:
    return {town.key_of(r["tracking_number"]) or r["tracking_number"]
            for r in rows if "tracking_number" in r}


@pytest.mark.parametrize(("export", "persona", "expected"), CASES,
                         ids=[f"{e}-{p}" for e, p, _s in CASES])
def test_export(town, export, persona, expected):
    response = api_client(town, persona, "named").get(BASE + export)

    assert response.status_code == expected
    content = body_of(response)
    assert not identities_in(content), identities_in(content)
    if expected != 200:
        assert response.json()["error"]["code"] == "not_authenticated"
        assert contents_in(content) == set()
        return
    rows = records(export, content)
    # Exactly the persona's scope (for the feed: the complaints whose events they get).
    assert complaint_keys(town, rows) == VISIBLE[persona]
    if export == "events.jsonl":
        assert rows[-1].keys() == {"next_cursor"}
        return
    # The complaints' own words travel with them, confidential ones included, and no
    # column is about the reporter.
    assert contents_in(content) == VISIBLE[persona]
    assert not [c for c in rows[0] if any(w in c.lower() for w in IDENTITY_WORDS)]
    assert {town.key_of(r["tracking_number"]): r["visibility"] for r in rows} == {
        k: SPEC[k].visibility for k in VISIBLE[persona]}


def test_feed_records_identity_views_without_the_identity(town):
    """The ombudsman's view of a consenting reporter's identity (made while the world was
    built) is in the feed as an event with the viewer and role, and nothing of what was
    seen."""
    response = api_client(town, "ombudsman").get(BASE + "events.jsonl")

    content = body_of(response)
    views = [(town.key_of(e["tracking_number"]), e["actor"], e["role"], e["payload"])
             for e in records("events.jsonl", content)[:-1]
             if e["action"] == "identity_viewed"]
    assert views == [("confidential", "ombudsman", "ombudsman", {})]
    assert not identities_in(content)


# Filters are no oracle: no filter reads the reporter, so asking for a reporter's name, e-mail
# or phone finds nothing, even for those who may see identities.
SEARCHES = [("q", "Zarkovna"), ("q", "qwyn.anonymous@zarkovna.example"), ("q", "08120002"),
            ("visibility", "anonymous")]
SEARCH_CASES = [(e, p, param, value) for e in EXPORTS[:2]
                for p in ("coordinator", "ombudsman", "administrator", "officer")
                for param, value in SEARCHES]


@pytest.mark.parametrize(("export", "persona", "param", "value"), SEARCH_CASES,
                         ids=[f"{e}-{p}-{k}={v}" for e, p, k, v in SEARCH_CASES])
def test_export_search(town, export, persona, param, value):
    response = api_client(town, persona).get(BASE + export, {param: value})

    assert response.status_code == 200
    found = complaint_keys(town, records(export, body_of(response)))
    expected = VISIBLE[persona] & ANONYMOUS if param == "visibility" else set()
    assert found == expected


BAD_QUERIES = [("complaints.csv", {"state": "nonsense"}, "invalid_input"),
               ("complaints.jsonl", {"updated_since": "Zarkovna Qwyn anonymous"},
                "invalid_input"),
               ("events.jsonl", {"after": "qwyn.anonymous@zarkovna.example"}, "invalid_cursor"),
               ("events.jsonl", {"limit": "0"}, "invalid_input")]


@pytest.mark.parametrize(("export", "query", "code"), BAD_QUERIES,
                         ids=[f"{e}-{c}" for e, _q, c in BAD_QUERIES])
@pytest.mark.parametrize("persona", ["officer", "ombudsman"])
def test_export_errors_are_bare(town, persona, export, query, code):
    """A refused export is the error shape alone: no row, no identity (not even one the
    caller typed into the query)."""
    response = api_client(town, persona).get(BASE + export, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert contents_in(response.content) == set()
    assert not identities_in(response.content)


STATS = ("/api/v1/stats/", "/api/v1/stats/?agency=disdukcapil",
         "/api/v1/stats/?service=parkir")


@pytest.mark.parametrize("url", STATS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_statistics(town, persona, url):
    """Public SLA statistics: the same counts for everyone, confidential complaints counted,
    nothing of any complaint's words, no identity."""
    response = api_client(town, persona, "named").get(url)

    assert response.status_code == 200
    assert contents_in(response.content) == set()
    assert not identities_in(response.content)
    assert not any(town.number(k) in response.content.decode() for k in KEYS)
