"""Open311 refuses bad input in its own shape: a list of `{code, description}`, 400 for
anything the request got wrong (as GeoReport v2 asks), and nothing stored changes."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from tests.badinput.conftest import assert_open311_error

REQUESTS = "/open311/v2/requests.json"
FORM = "application/x-www-form-urlencoded"
GOOD = "service_code=ktp-el&description=Sudah+lama&lat=-6.9&long=107.6"


def test_a_good_request_is_taken(world, api):
    # The baseline the refusals below differ from.
    response = api.generic("POST", REQUESTS, GOOD, content_type=FORM)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("body", "content_type"), [
    (GOOD + "&description=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), FORM),
    (json.dumps({"service_code": "ktp-el",
                 "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}),
     "application/json"),
    ("&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)), FORM),
    ("service_code=ktp-el&description=hi", "text/plain"),
    ("<service_request/>", "application/xml"),
    ("{", "application/json"),
    ("[" * 100_000 + "]" * 100_000, "application/json"),
    ('["service_code", "ktp-el"]', "application/json"),
    ('"ktp-el"', "application/json"),
    ("42", "application/json"),
    (b'{"service_code": "ktp-el", "description": "\xff", "lat": 1, "long": 1}',
     "application/json"),
    ("service_code=ktp-el&description=a%00b&lat=1&long=1", FORM),
    ("service_code=ktp-el&description=ab&lat=" + "9" * 5000 + "&long=1", FORM),
    ('{"service_code": "ktp-el", "description": "ab", "lat": 1e400, "long": 1}',
     "application/json"),
    ("service_code=ktp-el&description=ab&lat=NaN&long=Infinity", FORM),
])
def test_bad_submission_is_400(stored, api, body, content_type):
    with stored.unchanged():
        response = api.generic("POST", REQUESTS, body, content_type=content_type)
    assert_open311_error(response, 400)


def test_bad_submission_in_xml_is_an_xml_error_list(stored, api):
    with stored.unchanged():
        response = api.generic("POST", "/open311/v2/requests.xml", "<a/>",
                               content_type="application/xml")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>400</code>" in response.content


# Invalid UTF-8 in Open311 parameters is read with U+FFFD in its place, by design
# (docs/open311.md); it is a 400 only where the value then cannot be valid.
@pytest.mark.parametrize("query", [
    "status=%c3%28", "start_date=%80",
    "start_date=0001-01-01T00:00:00%2B05:00", "end_date=9999-12-31T23:59:59-05:00",
    "status=open%00", "start_date=2026-01-01&end_date=2025-01-01",
])
def test_bad_query_is_400(stored, api, query):
    with stored.unchanged():
        response = api.get(f"{REQUESTS}?{query}")
    assert_open311_error(response, 400)


@pytest.mark.parametrize("path", [
    "/open311/v2/requests/%00.json", "/open311/v2/requests/..%2F..%2Fetc%2Fpasswd.json",
    "/open311/v2/services/%00.json", "/open311/v2/services/'%20OR%201=1.json",
    "/open311/v2/tokens/%ff.json", "/open311/v2/requests/" + "A" * 5000 + ".json",
])
def test_bad_identifiers_are_404(stored, api, path):
    with stored.unchanged():
        response = api.get(path)
    assert_open311_error(response, 404)


@pytest.mark.parametrize(("key", "status"), [
    ("nope", 403), ("a\r\nX-Evil: 1", 403), ("x" * 5000, 403), ("\x00", 400),
])
def test_bad_api_key_is_refused(stored, api, key, status):
    with stored.unchanged():
        response = api.generic("POST", REQUESTS, GOOD + "&api_key=" + key.replace(
            "\r", "%0d").replace("\n", "%0a").replace("\x00", "%00"), content_type=FORM)
    assert_open311_error(response, status)
    assert "X-Evil" not in response
