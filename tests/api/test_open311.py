"""Open311 GeoReport v2: discovery, services, service definitions, formats and errors.

Requests (GET) are in test_open311_requests.py, submissions (POST) in test_open311_submit.py;
both use the helpers and fixtures of this module.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from api.models import ApiToken
from complaints.defaults import create_default_standard
from complaints.models import Agency, Service, ServiceStandard

BASE = "/open311/v2"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The field sets, in order, of the specification's example responses.
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"]

# --- helpers shared by the Open311 test modules ---------------------------------------------


@pytest.fixture
def open311() -> Client:
    """A client as an Open311 app is: no session, English texts."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture(autouse=True)
def fresh_throttle():
    # Submission throttles live in the cache; no test may inherit another's history.
    cache.clear()
    yield
    cache.clear()


def as_json(response: Any) -> Any:
    assert response["Content-Type"] == JSON_TYPE
    return json.loads(response.content)


def as_xml(response: Any) -> ET.Element:
    assert response["Content-Type"] == XML_TYPE
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def xml_records(root: ET.Element) -> list[dict[str, str | None]]:
    """`<services><service>…</service></services>` as a list of {tag: text}, in order."""
    return [{child.tag: child.text for child in item} for item in root]


def xml_text(value: Any) -> str | None:
    """What a JSON value is in the XML of the same document."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_xml_records(items: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    return [{k: xml_text(v) for k, v in item.items()} for item in items]


def error_list(http_status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": http_status, "description": description}]


def assert_error(response: Any, http_status: int, description: str | None = None) -> None:
    """The error in the format of the request: a list of {code, description}."""
    assert response.status_code == http_status
    if response["Content-Type"] == JSON_TYPE:
        body = json.loads(response.content)
    else:
        root = as_xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        body = [{"code": int(e.findtext("code")), "description": e.findtext("description")}
                for e in root]
    assert len(body) == 1 and body[0]["code"] == http_status
    if description is not None:
        assert body[0]["description"] == description


# --- discovery ----------------------------------------------------------------------------


def test_discovery_json_lists_this_endpoint(open311, world):
    body = as_json(open311.get(f"{BASE}/discovery.json"))

    changeset = body["changeset"]
    assert body == {
        "changeset": changeset,
        "contact": "Aduan at http://127.0.0.1:8000; e-mail aduan@localhost",
        "key_service": "No API key is needed to read or to submit service requests. API "
                       "tokens for staff and ombudsman are issued by the administrator of "
                       "this installation.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2",
            "changeset": changeset,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }


def test_discovery_xml_has_the_same_fields(open311, world):
    root = as_xml(open311.get(f"{BASE}/discovery.xml"))

    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert [c.tag for c in endpoint] == ["specification", "url", "changeset", "type",
                                         "formats"]
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]


def test_discovery_changeset_moves_with_a_new_service_standard(open311, world):
    before = as_json(open311.get(f"{BASE}/discovery.json"))["changeset"]
    newest = ServiceStandard.objects.latest("created_at").created_at + dt.timedelta(days=1)
    standard = create_default_standard(world.service, effective_from=dt.date(2030, 1, 1),
                                       version=2)
    ServiceStandard.objects.filter(pk=standard.pk).update(created_at=newest)

    after = as_json(open311.get(f"{BASE}/discovery.json"))["changeset"]

    assert after > before
    assert after == newest.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- services -----------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    Service.objects.filter(pk=world.service.pk).update(
        description="Pencetakan KTP elektronik.", group="Kependudukan",
        keywords="ktp, e-ktp, identitas")
    Service.objects.create(agency=world.agency, code="akta-lahir", name="Akta kelahiran",
                           is_active=False)
    # An active service of an agency withdrawn from Aduan takes no complaints either.
    closed = Agency.objects.create(code="dinas-lama", name="Dinas Lama", is_active=False)
    Service.objects.create(agency=closed, code="izin-lama", name="Izin lama")
    return world


def test_services_json_lists_active_services(open311, catalogue):
    body = as_json(open311.get(f"{BASE}/services.json"))

    assert body == [
        {"service_code": "ktp-el", "service_name": "KTP elektronik",
         "description": "Pencetakan KTP elektronik.", "metadata": False, "type": "realtime",
         "keywords": "ktp, e-ktp, identitas", "group": "Kependudukan"},
        # Without a group of its own, a service is grouped under its agency.
        {"service_code": "parkir", "service_name": "Parkir", "description": None,
         "metadata": False, "type": "realtime", "keywords": None,
         "group": "Dinas Perhubungan"},
    ]
    assert [list(s) for s in body] == [SERVICE_FIELDS, SERVICE_FIELDS]


def test_services_xml_is_the_json_as_elements(open311, catalogue):
    json_body = as_json(open311.get(f"{BASE}/services.json"))
    root = as_xml(open311.get(f"{BASE}/services.xml"))

    assert root.tag == "services"
    assert [s.tag for s in root] == ["service", "service"]
    assert xml_records(root) == as_xml_records(json_body)
    assert root.findtext("service/metadata") == "false"


def test_jurisdiction_id_is_accepted_and_ignored(open311, catalogue):
    plain = open311.get(f"{BASE}/services.json")
    with_jurisdiction = open311.get(f"{BASE}/services.json?jurisdiction_id=aduan.go.id")

    assert with_jurisdiction.status_code == 200
    assert with_jurisdiction.content == plain.content


def test_the_extension_decides_the_format_whatever_the_accept_header(open311, catalogue):
    response = open311.get(f"{BASE}/services.xml", headers={"accept": "application/json"})

    assert as_xml(response).tag == "services"


# --- service definitions ------------------------------------------------------------------


def test_service_definition_has_no_attributes(open311, world):
    assert as_json(open311.get(f"{BASE}/services/ktp-el.json")) == {
        "service_code": "ktp-el", "attributes": [],
    }
    root = as_xml(open311.get(f"{BASE}/services/ktp-el.xml"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    assert root.findtext("service_code") == "ktp-el"
    assert list(root.find("attributes")) == []


@pytest.mark.parametrize("code", ["unknown", "akta-lahir", "izin-lama", "ktp%00el", "a" * 500,
                                  "%FF%FE"])
def test_unknown_or_inactive_service_definition_is_404(open311, catalogue, code):
    for fmt in ("json", "xml"):
        assert_error(open311.get(f"{BASE}/services/{code}.{fmt}"), 404,
                     "service_code was not found.")


# --- formats, methods and api_key ---------------------------------------------------------


@pytest.mark.parametrize("path", ["services.html", "services.JSON", "services", "", "nothing",
                                  "requests/ABCDE-FGHJK.yaml", "services/ktp-el"])
def test_unknown_format_or_resource_is_a_404_error_list(open311, world, path):
    response = open311.get(f"{BASE}/{path}")

    assert_error(response, 404)
    assert response["Content-Type"] == JSON_TYPE


def test_unknown_resource_ending_in_xml_answers_in_xml(open311, world):
    assert_error(open311.get(f"{BASE}/nothing.xml"), 404,
                 "Not found. Resources end in .xml or .json, e.g. services.xml.")


def test_a_method_the_resource_does_not_take_is_405_in_the_same_shape(open311, world):
    response = open311.post(f"{BASE}/services.xml")

    assert_error(response, 405, 'Method "POST" not allowed.')
    assert response["Allow"] == "GET, HEAD"


def test_an_invalid_api_key_is_403_on_reads_too(open311, world):
    for fmt in ("json", "xml"):
        assert_error(open311.get(f"{BASE}/services.{fmt}?api_key=nope.nope"), 403,
                     "Invalid api_key received -- can't proceed.")


def test_a_valid_or_empty_api_key_is_accepted(open311, world):
    _, secret = ApiToken.issue(world.ombudsman, "open311")

    assert open311.get(f"{BASE}/services.json?api_key={secret}").status_code == 200
    assert open311.get(f"{BASE}/services.json?api_key=").status_code == 200


def test_a_revoked_api_key_is_403(open311, world):
    token, secret = ApiToken.issue(world.ombudsman, "open311")
    token.revoke()

    assert_error(open311.get(f"{BASE}/services.json?api_key={secret}"), 403)
