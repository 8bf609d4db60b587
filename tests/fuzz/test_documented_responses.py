"""Answers the fuzzer seldom or never provokes, checked against the schema directly: each
status must be documented for its operation, with the documented body. These pin the
schema fixes made while fuzzing (docs/fuzzing.md)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.conf import settings
from werkzeug.test import Client as WSGIClient

from api.throttles import CitizenThrottle
from config.wsgi import application
from tests.conftest import World
from tests.fuzz.conftest import FuzzData
from tests.fuzz.schema import schema
from workflow.stats import PUBLIC_COMPUTATIONS

SUBMIT = "/api/v1/complaints/"
DETAIL = "/api/v1/complaints/{tracking_number}/"
TRANSITION = "/api/v1/complaints/{tracking_number}/transitions/{action}/"


@pytest.fixture
def http(fuzz_data: FuzzData) -> WSGIClient:
    return WSGIClient(application)


def conforms(path: str, method: str, response: Any, status: int) -> dict[str, Any]:
    """The status is documented for the operation, and the body matches what is documented
    for it (schemathesis checks only the latter here)."""
    assert response.status_code == status, response.get_data()[:300]
    documented = schema.raw_schema["paths"][path][method.lower()]["responses"]
    assert str(status) in documented, f"{method} {path}: {status} is not documented"
    schema[path][method].validate_response(response)
    return json.loads(response.get_data())


def staff(data: FuzzData, persona: str = "coordinator") -> dict[str, str]:
    return {"Authorization": data.authorization[persona]}


class TestComplaintRepresentation:
    """Blank and null values (classification, complexity, closure and rejection reasons,
    duplicate_of, referred_to) and the citizen's view without `assigned_to` were not in
    the schema: DRF drops allow_blank from read-only fields."""

    def test_for_staff_in_every_state(self, http, fuzz_data):
        for number in fuzz_data.tracking_numbers[:5]:
            response = http.get(f"{SUBMIT}{number}/", headers=staff(fuzz_data, "ombudsman"))
            body = conforms(DETAIL, "GET", response, 200)
            assert "assigned_to" in body

    def test_for_the_citizen(self, http, fuzz_data):
        number = fuzz_data.tracking_numbers[0]
        response = http.get(f"{SUBMIT}{number}/",
                            headers={"X-Access-Token": fuzz_data.access_tokens[number]})
        body = conforms(DETAIL, "GET", response, 200)
        assert "assigned_to" not in body and body["classification"] == ""

    def test_in_the_list(self, http, fuzz_data):
        response = http.get(SUBMIT, headers=staff(fuzz_data, "ombudsman"))
        assert len(conforms(SUBMIT, "GET", response, 200)["results"]) == len(
            fuzz_data.tracking_numbers)


class TestErrorsTheSchemaNowDocuments:
    def test_forged_list_cursor_is_400(self, http, fuzz_data):
        forged = base64.b64encode(b"p=garbage").decode()
        response = http.get(SUBMIT, query_string={"cursor": forged},
                            headers=staff(fuzz_data))
        assert conforms(SUBMIT, "GET", response, 400)["error"]["code"] == "invalid_cursor"

    def test_oversized_submission_is_413(self, http, fuzz_data):
        body = json.dumps({"description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
        response = http.post(SUBMIT, data=body, content_type="application/json")
        assert conforms(SUBMIT, "POST", response, 413)["error"]["code"] == "request_too_large"

    @pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
    def test_submission_in_another_type_is_415(self, http, fuzz_data, content_type):
        response = http.post(SUBMIT, data="<a/>", content_type=content_type)
        conforms(SUBMIT, "POST", response, 415)

    def test_transition_in_another_type_is_415_and_too_large_is_413(self, http, fuzz_data):
        url = f"{SUBMIT}{fuzz_data.tracking_numbers[0]}/transitions/assign/"
        response = http.post(url, data="unit=x", content_type="text/plain",
                             headers=staff(fuzz_data))
        conforms(TRANSITION, "POST", response, 415)
        big = json.dumps({"unit": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
        response = http.post(url, data=big, content_type="application/json",
                             headers=staff(fuzz_data))
        conforms(TRANSITION, "POST", response, 413)

    def test_a_revoked_or_wrong_token_is_401_everywhere(self, http, fuzz_data):
        bad = {"Authorization": "Token 00000000.not-a-token"}
        conforms("/api/v1/services/", "GET", http.get("/api/v1/services/", headers=bad), 401)
        conforms(SUBMIT, "POST", http.post(SUBMIT, json={}, headers=bad), 401)

    def test_statistics_busy_is_503(self, http, fuzz_data):
        assert PUBLIC_COMPUTATIONS.process.acquire(blocking=False)  # another question is computed
        try:
            response = http.get("/api/v1/stats/")
        finally:
            PUBLIC_COMPUTATIONS.process.release()
        body = conforms("/api/v1/stats/", "GET", response, 503)
        assert body["error"]["code"] == "statistics_busy"

    def test_throttled_citizen_is_429(self, http, fuzz_data, world: World, monkeypatch):
        monkeypatch.undo()  # fuzz_data's throttles off, then this one on with a low rate
        monkeypatch.setattr(CitizenThrottle, "THROTTLE_RATES", {"citizen": "1/hour"})
        number = fuzz_data.tracking_numbers[0]
        headers = {"X-Access-Token": "wrong"}
        http.get(f"{SUBMIT}{number}/", headers=headers)
        response = http.get(f"{SUBMIT}{number}/", headers=headers)
        assert conforms(DETAIL, "GET", response, 429)["error"]["code"] == "throttled"
        response = http.post(f"{SUBMIT}{number}/transitions/withdraw/", json={},
                             headers=headers)
        conforms(TRANSITION, "POST", response, 429)
