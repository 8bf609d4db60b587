"""POST /api/v1/complaints/: submission, idempotency, throttling, staff intake, attachments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from api.models import IdempotencyRecord
from api.throttles import SubmitThrottle
from complaints.models import Attachment, Complaint
from tests.api.conftest import error_code

URL = "/api/v1/complaints/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BODY = {
    "service": "ktp-el",
    "title": "KTP-el belum jadi",
    "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
    "reporter": {"name": "Siti Rahayu", "email": "siti@example.id"},
}


def test_citizen_submits_and_gets_number_token_and_deadlines(world, api):
    response = api.post(URL, BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"tracking_number", "access_token", "state", "received_at", "sla"}
    complaint = Complaint.objects.get()
    assert body["tracking_number"] == complaint.tracking_number
    assert body["state"] == "received"
    assert body["received_at"].endswith("+07:00")
    assert [c["name"] for c in body["sla"]] == ["verify", "statutory_answer", "resolution"]
    assert {c["status"] for c in body["sla"]} == {"running"}
    assert (complaint.channel, complaint.reporter.email) == ("api", "siti@example.id")
    # The token opens the complaint.
    detail = api.get(f"{URL}{complaint.tracking_number}/",
                     HTTP_X_ACCESS_TOKEN=body["access_token"])
    assert detail.status_code == 200
    # The answer is written from what was saved, as the detail reads it back.
    assert {key: detail.json()[key] for key in ("state", "received_at", "sla")} == \
        {key: body[key] for key in ("state", "received_at", "sla")}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"service": "no-such-service"}, "service"), ({"title": ""}, "title"),
     ({"visibility": "secret"}, "visibility"), ({"latitude": "200"}, "latitude"),
     ({"received_at": "2026-01-01T00:00:00Z"}, "received_at")],
)
def test_bad_submission_is_400_with_the_field_named(world, api, change, field):
    response = api.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in (error["details"].get("errors") or error["details"])
    assert not Complaint.objects.exists()


def test_malformed_json_is_a_clean_400(world, api):
    response = api.post(URL, b'{"service": ', content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "malformed_request"


def test_same_idempotency_key_and_body_replays_without_a_second_complaint(world, api):
    first = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    # The token is not stored in the clear with the remembered answer.
    record = IdempotencyRecord.objects.get()
    assert first.json()["access_token"] not in str(record.response_body) + record.sealed_token
    assert "abc-123" not in record.key_hash


def test_same_idempotency_key_with_another_body_is_422(world, api):
    api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    response = api.post(URL, {**BODY, "title": "Lain"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="abc-123")
    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_a_failed_attempt_can_be_retried_with_the_same_key(world, api):
    bad = api.post(URL, {**BODY, "title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    good = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (bad.status_code, good.status_code) == (400, 201)


def test_submissions_are_throttled_per_client(world, api, monkeypatch):
    monkeypatch.setattr(SubmitThrottle, "THROTTLE_RATES", {"submit": "2/hour"})
    codes = [api.post(URL, BODY, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    other = api.post(URL, BODY, format="json", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 201
    assert Complaint.objects.count() == 3


def test_throttled_answer_uses_the_error_shape(world, api, monkeypatch):
    monkeypatch.setattr(SubmitThrottle, "THROTTLE_RATES", {"submit": "1/hour"})
    api.post(URL, BODY, format="json")
    response = api.post(URL, BODY, format="json")
    assert error_code(response) == "throttled"
    assert response.json()["error"]["details"]["retry_after_seconds"] > 0


def test_staff_intake_sets_channel_and_time_of_receipt(world, as_persona):
    received = "2026-02-02T08:15:00+07:00"
    response = as_persona("coordinator").post(
        URL, {**BODY, "channel": "letter", "received_at": received}, format="json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert complaint.channel == "letter"
    assert complaint.received_at == dt.datetime(2026, 2, 2, 1, 15, tzinfo=dt.UTC)
    assert complaint.events.get().role == "coordinator"


def test_citizen_cannot_claim_a_staff_channel(world, api):
    response = api.post(URL, {**BODY, "channel": "letter"}, format="json")
    assert response.status_code == 400
    assert "channel" in response.json()["error"]["details"]["errors"]


def test_ombudsman_cannot_submit(world, as_persona):
    response = as_persona("ombudsman").post(URL, BODY, format="json")
    assert response.status_code == 403 and error_code(response) == "not_permitted"


def _multipart(*files):
    return {"service": "ktp-el", "title": "Foto antrean", "description": "Antrean panjang.",
            "attachments": list(files)}


def test_attachment_is_stored_with_a_safe_name_and_its_hash(world, api):
    upload = SimpleUploadedFile("../../etc/antrean.png", PNG, content_type="image/png")
    response = api.post(URL, _multipart(upload), format="multipart")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "antrean.png", "image/png", len(PNG))
    assert ".." not in attachment.file.name
    assert Complaint.objects.get().events.get().payload["attachments"][0]["name"] == (
        "antrean.png")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [("surat.pdf", PNG, "name does not match content"),
     ("skrip.png", b"<script>alert(1)</script>", "unsupported type"),
     ("kosong.png", b"", None)],  # DRF's own check, in its words
)
def test_attachment_whose_content_is_wrong_is_refused(world, api, name, content, problem):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = api.post(URL, _multipart(upload), format="multipart")
    assert response.status_code == 400
    errors = response.json()["error"]["details"]["errors"]
    assert "attachments" in errors and (problem is None or errors["attachments"] == problem)
    assert not Complaint.objects.exists() and not Attachment.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=32)
def test_oversized_attachment_is_refused(world, api):
    upload = SimpleUploadedFile("besar.png", PNG, content_type="image/png")
    response = api.post(URL, _multipart(upload), format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["errors"]["attachments"] == "too large"


def test_guessing_access_tokens_is_throttled_per_address(world, api, submit, monkeypatch):
    from api.throttles import CitizenThrottle

    monkeypatch.setattr(CitizenThrottle, "THROTTLE_RATES", {"citizen": "3/hour"})
    submitted = submit()
    url = f"{URL}{submitted.complaint.tracking_number}/"
    codes = [api.get(url, HTTP_X_ACCESS_TOKEN=f"guess-{i}").status_code for i in range(3)]
    assert codes == [404, 404, 404]
    # Even the right token is refused once the address has used up its attempts.
    blocked = api.get(url, HTTP_X_ACCESS_TOKEN=submitted.access_token)
    assert blocked.status_code == 429
    assert api.get(url, HTTP_X_ACCESS_TOKEN=submitted.access_token,
                   REMOTE_ADDR="10.1.2.3").status_code == 200
