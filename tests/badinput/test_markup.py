"""Markup and script in every text field: stored as text, returned by the API exactly as
sent (as JSON strings), and escaped wherever an HTML page shows it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from complaints.models import Complaint

SUBMIT = "/api/v1/complaints/"
PAYLOADS = [
    "<script>alert('aduan')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    "{{ settings.SECRET_KEY }} {% debug %}",
    "'; DROP TABLE complaints_complaint; --",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">klik</a>",
    "&lt;b&gt; already escaped &amp; twice &#x3C;",
    "\u202e\u0645\u0631\u062d\u0628\u0627 <b>\u200b</b> \U0001F600",
]


# The reporter's fields as long as each may be.
REPORTER_LIMITS = {"name": 200, "phone": 40, "id_number": 32, "address": 500}


def submission(payload: str) -> dict:
    return {
        "service": "ktp-el", "title": payload, "description": payload,
        "location_text": payload, "visibility": "public",
        "reporter": {**{f: payload[:n].strip() for f, n in REPORTER_LIMITS.items()},
                     "consent_to_share": True},
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_round_trips_exactly_through_the_api(world, api, as_persona, payload):
    created = api.post(SUBMIT, submission(payload), format="json")
    assert created.status_code == 201, created.content
    number, token = created.json()["tracking_number"], created.json()["access_token"]

    detail = api.get(f"{SUBMIT}{number}/", HTTP_X_ACCESS_TOKEN=token)
    assert detail["Content-Type"] == "application/json"
    body = detail.json()
    assert (body["title"], body["description"], body["location"]["text"]) == (
        payload, payload, payload)
    reporter = as_persona("coordinator").get(f"{SUBMIT}{number}/reporter/").json()
    assert {f: reporter[f] for f in REPORTER_LIMITS} == {
        f: payload[:n].strip() for f, n in REPORTER_LIMITS.items()}
    complaint = Complaint.objects.get()
    assert (complaint.title, complaint.description, complaint.reporter.name) == (
        payload, payload, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_workflow_texts_round_trip_exactly(world, api, as_persona, payload):
    created = api.post(SUBMIT, submission("Biasa"), format="json").json()
    number, token = created["tracking_number"], created["access_token"]
    url = f"{SUBMIT}{number}/transitions/"
    steps = [
        (as_persona("coordinator"), "assign", {"unit": world.unit.code, "assignee": "officer"}),
        (as_persona("officer"), "request_info", {"message": payload}),
        (api, "provide_info", {"message": payload}),
        (as_persona("officer"), "respond", {"response": payload}),
        (api, "accept", {"rating": 4, "comment": payload}),
    ]
    for client, action, fields in steps:
        response = client.post(f"{url}{action}/", fields, format="json",
                               HTTP_X_ACCESS_TOKEN=token)
        assert response.status_code == 200, (action, response.content)
    body = response.json()
    assert body["response"] == payload and body["feedback"]["comment"] == payload
    events = as_persona("ombudsman").get(f"{SUBMIT}{number}/events/").json()
    assert [e["payload"].get("message") for e in events if "message" in e["payload"]] == [
        payload, payload]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_pages_escape_it(world, api, payload):
    created = api.post(SUBMIT, submission(payload), format="json").json()
    number, token = created["tracking_number"], created["access_token"]

    citizen = Client()
    link = citizen.get(reverse("citizen:track_link", args=[number, token]))
    assert link.status_code == 302
    page = citizen.get(reverse("citizen:track", args=[number])).content.decode()
    assert escape(payload) in page
    if "<" in payload or '"' in payload:
        assert payload not in page
    proof = citizen.get(reverse("citizen:proof", args=[number])).content.decode()
    assert escape(payload) in proof and ("<" not in payload or payload not in proof)

    staff = Client()
    staff.force_login(world.coordinator)
    detail = staff.get(reverse("staff:detail", args=[number])).content.decode()
    assert escape(payload) in detail and ("<" not in payload or payload not in detail)
    queue = staff.get(reverse("staff:queue")).content.decode()
    assert "<" not in payload or payload not in queue
