"""Request bodies the API cannot take: too large, of the wrong type, malformed, not UTF-8,
nested too deeply, not an object, with numbers past any range."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from complaints.models import Complaint
from tests.badinput.conftest import Stored, assert_error, stored_in
from workflow.states import State

SUBMIT = "/api/v1/complaints/"
BODY = {"service": "ktp-el", "title": "KTP-el belum jadi",
        "description": "Sudah tiga bulan KTP-el saya belum dicetak."}
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def transition(stored: Stored, action: str = "respond") -> str:
    return f"/api/v1/complaints/{stored.number}/transitions/{action}/"


def too_large() -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


class TestOversizedBodies:
    """Past DATA_UPLOAD_MAX_MEMORY_SIZE Django raises RequestDataTooBig; it used to leave
    the API as Django's 400 HTML page."""

    def test_json_submission_is_413(self, stored, api):
        body = json.dumps({**BODY, "description": too_large()})
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        error = assert_error(response, 413, "request_too_large")
        assert error["details"] == {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}

    def test_urlencoded_submission_is_413(self, stored, api):
        body = f"service=ktp-el&title=t&description={too_large()}"
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=FORM)
        assert_error(response, 413, "request_too_large")

    def test_multipart_submission_is_413(self, stored, api):
        with stored.unchanged():
            response = api.post(SUBMIT, {**BODY, "description": too_large()})
        assert_error(response, 413, "request_too_large")

    def test_transition_is_413(self, stored, as_persona):
        body = json.dumps({"response": too_large()})
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored), body,
                                      content_type=JSON)
        assert_error(response, 413, "request_too_large")

    def test_too_many_form_fields_is_400(self, stored, api):
        body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=FORM)
        assert_error(response, 400, "malformed_request")


class TestContentTypes:
    @pytest.mark.parametrize(("content_type", "body"), [
        ("text/plain", "service=ktp-el title=KTP description=lama"),
        ("application/xml", "<complaint><service>ktp-el</service></complaint>"),
        ("text/xml", "<complaint/>"),
        ("application/x-yaml", "service: ktp-el"),
    ])
    def test_submission_in_a_type_we_do_not_read_is_415(self, stored, api, content_type,
                                                         body):
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=content_type)
        assert_error(response, 415, "unsupported_media_type")

    @pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
    def test_transition_in_a_type_we_do_not_read_is_415(self, stored, as_persona,
                                                        content_type):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored),
                                      "response=Sudah", content_type=content_type)
        assert_error(response, 415, "unsupported_media_type")

    def test_unknown_charset_is_400(self, stored, api):
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, json.dumps(BODY).encode(),
                                   content_type="application/json; charset=bz2_codec")
        assert_error(response, 400, "malformed_request")


class TestMalformedJSON:
    @pytest.mark.parametrize("body", [
        b"{", b'{"service": "ktp-el",}', b"{'service': 'ktp-el'}", b"",
        b'{"service": "ktp-el", "title": NaN}', b'{"title": Infinity}', b"\x00",
    ])
    def test_submission_is_400(self, stored, api, body):
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        assert_error(response, 400)

    @pytest.mark.parametrize("body", [b"{", b'{"response": "a"', b'{"response": NaN}'])
    def test_transition_is_400(self, stored, as_persona, body):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored), body,
                                      content_type=JSON)
        assert_error(response, 400, "malformed_request")


class TestInvalidUTF8:
    def test_in_a_json_submission_is_400(self, stored, api):
        body = b'{"service": "ktp-el", "title": "\xff\xfe", "description": "x"}'
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        assert_error(response, 400, "malformed_request")

    @pytest.mark.parametrize("body", [
        b"service=ktp-el&title=\xff\xfe&description=lama",  # raw bytes: read as Latin-1
        b"service=ktp-el&title=%ff%fe&description=lama",  # escaped: decoded as U+FFFD
        b"service=ktp-el&title=ok&%c3%28=lama",  # in a field's name
    ])
    def test_in_a_urlencoded_submission_is_400(self, stored, api, body):
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=FORM)
        assert_error(response, 400, "malformed_request")

    def test_in_a_multipart_submission_is_400(self, stored, api):
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"service\"\r\n\r\n"
                f"ktp-el\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"title\""
                f"\r\n\r\n").encode() + b"KTP \xc3\x28 rusak" + (
                f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"description\""
                f"\r\n\r\nlama\r\n--{boundary}--\r\n").encode()
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body,
                                   content_type=f"multipart/form-data; boundary={boundary}")
        assert_error(response, 400, "malformed_request")

    def test_in_a_transition_is_400(self, stored, as_persona):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored),
                                      b"response=Sudah \xe9 selesai", content_type=FORM)
        assert_error(response, 400, "malformed_request")

    def test_a_form_that_declares_latin1_is_read_as_latin1(self, world, api):
        response = api.generic("POST", SUBMIT, "service=ktp-el&title=Caf%E9&description=lama",
                               content_type=f"{FORM}; charset=iso-8859-1")
        assert response.status_code == 201, response.content
        assert Complaint.objects.get().title == "Caf\u00e9"

    def test_a_genuine_replacement_character_in_json_is_kept(self, world, api):
        # JSON is decoded strictly, so U+FFFD there is what the citizen wrote.
        response = api.post(SUBMIT, {**BODY, "title": "Tanda \ufffd aneh"}, format="json")
        assert response.status_code == 201, response.content


class TestDeeplyNestedJSON:
    """json raises RecursionError, not ValueError, on deep nesting: that was a 500."""

    DEEP = "[" * 100_000 + "]" * 100_000

    def test_submission_is_400(self, stored, api):
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, self.DEEP, content_type=JSON)
        assert_error(response, 400, "malformed_request")

    def test_nested_inside_a_field_is_400(self, stored, api):
        body = '{"service": "ktp-el", "reporter": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        assert_error(response, 400, "malformed_request")

    def test_transition_is_400(self, stored, as_persona):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored), self.DEEP,
                                      content_type=JSON)
        assert_error(response, 400, "malformed_request")

    def test_moderately_nested_reporter_is_an_ordinary_400(self, stored, api):
        reporter = {"name": {"first": {"second": ["Siti"]}}}
        with stored.unchanged():
            response = api.post(SUBMIT, {**BODY, "reporter": reporter}, format="json")
        assert_error(response, 400, "invalid_input")


class TestJSONThatIsNotAnObject:
    @pytest.mark.parametrize("body", ["[]", '[{"service": "ktp-el"}]', '"ktp-el"', '""',
                                      "42", "3.5", "true", "null"])
    @pytest.mark.parametrize("key", [None, "kunci-1"])
    def test_submission_is_400(self, stored, api, body, key):
        # With an Idempotency-Key it was a 500: the key's fingerprint read the fields of an
        # object that was not there (found by the long fuzzing run).
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON, **headers)
        error = assert_error(response, 400, "invalid_input")
        assert error["details"] == {"errors": {"non_field_errors": ["Send a JSON object."]}}

    @pytest.mark.parametrize("body", ["[]", '["response", "Sudah"]', '"Sudah"', "42",
                                      "false", "null"])
    def test_transition_is_400(self, stored, as_persona, body):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.generic("POST", transition(stored), body,
                                      content_type=JSON)
        error = assert_error(response, 400, "invalid_input")
        assert error["details"] == {"errors": {"non_field_errors": ["Send a JSON object."]}}

    @pytest.mark.parametrize("value", [["a"], {"text": "a"}, 5, True])
    def test_field_that_is_not_text_is_400(self, stored, as_persona, value):
        client = as_persona("officer")
        with stored.unchanged():
            response = client.post(transition(stored), {"response": value},
                                   format="json")
        error = assert_error(response, 400, "invalid_input")
        assert error["details"]["errors"] == {"response": "must be text"}


class TestHugeNumbers:
    @pytest.mark.parametrize("digits", [30, 4000, 5000])
    def test_huge_coordinate_is_400(self, stored, api, digits):
        body = json.dumps(BODY)[:-1] + ', "latitude": ' + "9" * digits + "}"
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        assert_error(response, 400)

    @pytest.mark.parametrize("value", ["1e400", "-1e400", "123456789012345678901234"])
    def test_out_of_range_float_coordinate_is_400(self, stored, api, value):
        body = json.dumps(BODY)[:-1] + f', "longitude": {value}' + "}"
        with stored.unchanged():
            response = api.generic("POST", SUBMIT, body, content_type=JSON)
        assert_error(response, 400)

    @pytest.mark.parametrize("amount", [2**63, 2**64 + 1, -(2**63) - 1, 10**30, "9" * 40,
                                        "9" * 5000, "-" + "9" * 5000, "\u0661" * 5000, "\u00b2",
                                        "1\u00b2"])
    def test_huge_extension_is_400(self, stored, as_persona, amount):
        payload = {"clock": "first_response", "amount": amount, "reason": "Menunggu pusat."}
        client = as_persona("supervisor")
        with stored.unchanged():
            response = client.post(transition(stored, "extend"), payload,
                                   format="json")
        error = assert_error(response, 400, "invalid_input")
        assert "amount" in error["details"]["errors"]

    @pytest.mark.parametrize("unit", [2**63, 2**64, -(2**63) - 1, 10**30, "9" * 40, "9" * 5000,
                                      "\u00b2", "\u2460"])
    def test_huge_unit_id_is_400(self, world, submit, as_persona, unit):
        received = stored_in(world, submit, State.RECEIVED)
        client = as_persona("coordinator")
        with received.unchanged():
            response = client.post(transition(received, "assign"), {"unit": unit},
                                   format="json")
        error = assert_error(response, 400, "invalid_input")
        assert error["details"]["errors"] == {"unit": "not a unit of this agency"}

    @pytest.mark.parametrize("rating", [2**63, 10**30, -(2**64), "5" * 30, "5" * 5000, 5.5,
                                        "5.0", "\u2075", "--5"])
    def test_huge_or_fractional_rating_is_400(self, world, submit, api, rating):
        responded = stored_in(world, submit, State.RESPONDED)
        with responded.unchanged():
            response = api.post(transition(responded, "accept"), {"rating": rating},
                                format="json", HTTP_X_ACCESS_TOKEN=responded.access_token)
        error = assert_error(response, 400, "invalid_input")
        assert error["details"]["errors"] == {"rating": "whole number from 1 to 5"}
