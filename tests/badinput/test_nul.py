"""NUL in any text or code: refused with a 400 before it reaches the database. PostgreSQL
cannot store or even compare it, so each of these was a 500 there (SQLite stored it)."""

from __future__ import annotations

from tests.badinput.conftest import assert_error

BODY = {"service": "ktp-el", "title": "KTP-el belum jadi", "description": "Sudah lama."}


def test_in_a_submission(stored, api):
    with stored.unchanged():
        for name, value in [
            ("service", "ktp-el\x00"), ("title", "a\x00b"), ("description", "\x00"),
            ("location_text", "Jl.\x00Braga"), ("reporter", {"name": "Siti\x00"}),
            ("reporter", {"address": "\x00"}), ("reporter", {"phone": "0812\x00"}),
            ("reporter", {"email": "siti\x00@example.id"}), ("channel", "web\x00"),
            ("visibility", "public\x00"), ("latitude", "1\x00"),
        ]:
            response = api.post("/api/v1/complaints/", {**BODY, name: value}, format="json")
            error = assert_error(response, 400, "invalid_input")
            assert error["details"]["errors"], (name, value)


def test_in_a_transition(stored, api, as_persona, world):
    url = f"/api/v1/complaints/{stored.number}/transitions/"
    citizen = {"HTTP_X_ACCESS_TOKEN": stored.access_token}
    cases = [
        (as_persona("coordinator"), "reassign", {"unit": "disdukcapil-ktp\x00"}, {}),
        (as_persona("coordinator"), "reassign",
         {"unit": world.unit.code, "assignee": "officer\x00"}, {}),
        (as_persona("officer"), "respond", {"response": "Sudah\x00"}, {}),
        (as_persona("supervisor"), "extend",
         {"clock": "first_response", "amount": 1, "reason": "\x00"}, {}),
        (api, "provide_info", {"message": "Nomor\x00"}, citizen),
        (api, "withdraw", {"reason": "Batal\x00"}, citizen),
    ]
    with stored.unchanged():
        for client, action, payload, headers in cases:
            response = client.post(f"{url}{action}/", payload, format="json", **headers)
            error = assert_error(response, 400, "invalid_input")
            assert error["details"]["errors"], (action, payload)


def test_in_a_query(stored, api):
    with stored.unchanged():
        for params in [{"agency": "\x00"}, {"service": "ktp\x00"}]:
            assert_error(api.get("/api/v1/stats/", params), 400, "invalid_input")
        for secret in ["1234567\x00.x", "\x00" * 8 + ".x", "abcdefgh.\x00"]:
            response = api.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Token {secret}")
            assert_error(response, 401, "authentication_failed")
