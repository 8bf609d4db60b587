"""Headers and sessions: CSRF on session-authenticated API writes, replayed and malformed
Idempotency-Keys, and header injection through the headers the API reads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.models import IdempotencyRecord
from complaints.models import Complaint
from tests.badinput.conftest import assert_error

SUBMIT = "/api/v1/complaints/"
BODY = {"service": "ktp-el", "title": "KTP-el belum jadi",
        "description": "Sudah tiga bulan KTP-el saya belum dicetak."}


def signed_in(username: str) -> Client:
    """A browser that signed in on the staff pages, with CSRF checks as in production."""
    browser = Client(enforce_csrf_checks=True)
    login = reverse("staff:login")
    browser.get(login)
    response = browser.post(login, {"username": username, "password": "x",
                                    "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert response.status_code == 302, response.content[:300]
    return browser


class TestCSRF:
    def test_session_write_without_csrf_token_is_403(self, stored):
        browser = signed_in("officer")
        url = f"{SUBMIT}{stored.number}/transitions/respond/"
        with stored.unchanged():
            response = browser.post(url, {"response": "Sudah selesai."},
                                    content_type="application/json")
        error = assert_error(response, 403, "not_permitted")
        assert "CSRF" in error["message"]

    def test_session_submission_without_csrf_token_is_403(self, stored):
        browser = signed_in("coordinator")
        with stored.unchanged():
            response = browser.post(SUBMIT, BODY, content_type="application/json")
        assert_error(response, 403, "not_permitted")

    def test_session_write_with_a_forged_csrf_token_is_403(self, stored):
        browser = signed_in("officer")
        url = f"{SUBMIT}{stored.number}/transitions/respond/"
        with stored.unchanged():
            response = browser.post(url, {"response": "Sudah selesai."},
                                    content_type="application/json",
                                    HTTP_X_CSRFTOKEN="A" * 64)
        assert_error(response, 403, "not_permitted")

    def test_with_the_token_the_same_write_goes_through(self, stored):
        browser = signed_in("officer")
        response = browser.post(f"{SUBMIT}{stored.number}/transitions/respond/",
                                {"response": "Sudah selesai."},
                                content_type="application/json",
                                HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "responded"

    def test_token_authentication_needs_no_csrf_token(self, stored, as_persona):
        officer = as_persona("officer")
        officer.handler.enforce_csrf_checks = True
        response = officer.post(f"{SUBMIT}{stored.number}/transitions/respond/",
                                {"response": "Sudah selesai."}, format="json")
        assert response.status_code == 200


class TestIdempotencyKey:
    def test_same_key_and_body_answers_the_same_and_stores_one(self, world, api):
        first = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kunci-1")
        again = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kunci-1")

        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Complaint.objects.count() == 1 and IdempotencyRecord.objects.count() == 1

    def test_same_key_with_another_body_is_422(self, world, api):
        api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kunci-1")
        complaint = Complaint.objects.get()
        before = (complaint.title, complaint.description, complaint.updated_at)

        response = api.post(SUBMIT, {**BODY, "title": "Lain"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="kunci-1")

        assert_error(response, 422, "idempotency_key_reused")
        complaint.refresh_from_db()
        assert Complaint.objects.count() == 1
        assert (complaint.title, complaint.description, complaint.updated_at) == before

    def test_same_key_from_another_client_is_another_key(self, world, api, as_persona):
        api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kunci-1")
        response = as_persona("coordinator").post(SUBMIT, BODY, format="json",
                                                  HTTP_IDEMPOTENCY_KEY="kunci-1")
        assert response.status_code == 201 and Complaint.objects.count() == 2

    @pytest.mark.parametrize("key", [
        "", "k" * 256, "kunci\x00", "kunci\x7f", "kunci\u200b", "\u2028", "a\tb",
    ])
    def test_malformed_key_is_400(self, stored, api, key):
        with stored.unchanged():
            response = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert_error(response, 400, "invalid_idempotency_key")

    @pytest.mark.parametrize("key", ["kunci\r\nSet-Cookie: sessionid=x", "kunci\nX-Evil: 1",
                                     "kunci\r"])
    def test_key_with_a_line_break_is_400_and_injects_nothing(self, stored, api, key):
        with stored.unchanged():
            response = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert_error(response, 400, "invalid_idempotency_key")
        assert "X-Evil" not in response and "sessionid" not in response.cookies
        assert all("\n" not in value and "\r" not in value
                   for _name, value in response.items())

    def test_longest_allowed_key_works(self, world, api):
        response = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
        assert response.status_code == 201

    def test_a_refused_attempt_is_not_remembered(self, world, api):
        refused = api.post(SUBMIT, {**BODY, "service": "nope"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="kunci-2")
        assert_error(refused, 400, "invalid_input")
        assert not IdempotencyRecord.objects.exists()
        retried = api.post(SUBMIT, BODY, format="json", HTTP_IDEMPOTENCY_KEY="kunci-2")
        assert retried.status_code == 201


class TestAccessTokenHeader:
    @pytest.mark.parametrize("suffix", ["\r\nX-Evil: 1", "\n", "\x00", " ", "%0d%0a"])
    def test_token_with_injected_bytes_opens_nothing(self, stored, api, suffix):
        url = f"{SUBMIT}{stored.number}/"
        with stored.unchanged():
            response = api.get(url, HTTP_X_ACCESS_TOKEN=stored.access_token + suffix)
            act = api.post(f"{url}transitions/withdraw/", {}, format="json",
                           HTTP_X_ACCESS_TOKEN=stored.access_token + suffix)
        assert_error(response, 404, "not_found")
        assert_error(act, 404, "not_found")
        assert "X-Evil" not in response

    @pytest.mark.parametrize("token", ["", "x" * 10_000, "\u00e9t\u00e9", "' OR 1=1 --"])
    def test_odd_tokens_open_nothing(self, stored, api, token):
        response = api.get(f"{SUBMIT}{stored.number}/", HTTP_X_ACCESS_TOKEN=token)
        if token:
            assert_error(response, 404, "not_found")
        else:
            assert_error(response, 401, "not_authenticated")

    @pytest.mark.parametrize("header", ["Token", "Token a b", "Token \u00e9", "Token x\r\ny",
                                        "Bearer x", "Token " + "a" * 5000])
    def test_malformed_authorization_is_401_or_anonymous(self, stored, api, header):
        with stored.unchanged():
            response = api.get(SUBMIT, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert_error(response, 401)
