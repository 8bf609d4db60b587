"""Open311 POST requests: a citizen's complaint through the one write path."""

from __future__ import annotations

import copy
import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from api.models import ApiToken
from api.open311.submission import title_from
from complaints.models import Channel, Complaint, Reporter, Visibility
from complaints.selectors import complaint_for_citizen
from tests.api.test_open311 import (  # noqa: F401  (fixtures)
    BASE,
    as_json,
    as_xml,
    assert_error,
    fresh_throttle,
    open311,
    xml_records,
)

FORM = "application/x-www-form-urlencoded; charset=utf-8"
NOTICE = ("Verification within 3 working days; a first answer within 14 calendar days; "
          "resolution within 60 calendar days (UU 25/2009 tentang Pelayanan Publik).")

# The example request of the specification, with one of our service codes for its "001".
SPEC_EXAMPLE = (
    "api_key=&jurisdiction_id=city.gov&service_code=ktp-el&lat=37.76524078"
    "&long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu"
    "&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111"
    "&description=A+large+sinkhole+is+destroying+the+street"
    "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
    "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)


def post_form(client: Client, body: str, fmt: str = "json", query: str = ""):
    return client.post(f"{BASE}/requests.{fmt}{query}", body, content_type=FORM)


def minimal(**extra: str) -> dict[str, str]:
    return {"service_code": "ktp-el", "address_string": "Jl. Asia Afrika 8, Bandung",
            "description": "Antrean KTP-el tidak bergerak sejak pagi.", **extra}


# --- the specification's example ---------------------------------------------------------------


def test_the_specification_example_request_creates_a_complaint(open311, world):
    response = post_form(open311, SPEC_EXAMPLE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    [created] = as_json(response)
    complaint = Complaint.objects.get()
    assert created == {
        "service_request_id": complaint.tracking_number,
        "service_notice": NOTICE,
        "account_id": None,
        "access_token": created["access_token"],
    }
    # The specification's fields first, in its order; then Aduan's access token.
    assert list(created) == ["service_request_id", "service_notice", "account_id",
                             "access_token"]
    assert complaint_for_citizen(complaint.tracking_number, created["access_token"]) == complaint


def test_the_example_answers_in_xml(open311, world):
    root = as_xml(post_form(open311, SPEC_EXAMPLE, fmt="xml"))

    assert root.tag == "service_requests"
    [record] = xml_records(root)
    assert list(record) == ["service_request_id", "service_notice", "account_id",
                            "access_token"]
    assert record["service_request_id"] == Complaint.objects.get().tracking_number
    assert record["account_id"] is None


def test_the_complaint_is_recorded_through_the_workflow(open311, world):
    post_form(open311, SPEC_EXAMPLE)

    complaint = Complaint.objects.get()
    assert (complaint.service, complaint.agency) == (world.service, world.agency)
    assert complaint.channel == Channel.OPEN311
    assert complaint.visibility == Visibility.PUBLIC
    assert complaint.state == "received"
    assert complaint.title == "A large sinkhole is destroying the street"
    assert complaint.description == "A large sinkhole is destroying the street"
    assert complaint.location_text == "1234 5th street"
    assert (str(complaint.latitude), str(complaint.longitude)) == ("37.765241", "-122.421204")
    reporter = Reporter.objects.get(complaint=complaint)
    assert (reporter.name, reporter.email, reporter.phone) == (
        "john smith", "smit333@sfgov.edu", "111111111")
    submit_event = complaint.events.get()
    assert (submit_event.action, submit_event.payload["channel"]) == ("submit", "open311")
    assert {c.name for c in complaint.clocks.all()} == {"verify", "statutory_answer",
                                                        "resolution"}


def test_the_new_request_can_be_read_back(open311, world):
    [created] = as_json(post_form(open311, SPEC_EXAMPLE))
    number = created["service_request_id"]

    [item] = as_json(open311.get(f"{BASE}/requests/{number}.json"))

    assert item["service_request_id"] == number
    assert (item["status"], item["service_code"], item["address"]) == (
        "open", "ktp-el", "1234 5th street")
    assert (item["lat"], item["long"]) == (37.765241, -122.421204)
    assert as_json(open311.get(f"{BASE}/tokens/{number}.json")) == [
        {"service_request_id": number, "token": number}]


def test_no_reporter_identity_is_echoed(open311, world):
    for fmt in ("json", "xml"):
        content = post_form(open311, SPEC_EXAMPLE, fmt=fmt).content.decode()
        for secret in ("john", "smith", "smit333", "111111111", "tt222111", "123456"):
            assert secret not in content


# --- body encodings ------------------------------------------------------------------------------


def test_multipart_bodies_are_accepted(open311, world):
    response = open311.post(f"{BASE}/requests.json", minimal())

    assert response.status_code == 200
    assert Complaint.objects.get().location_text == "Jl. Asia Afrika 8, Bandung"


def test_json_bodies_are_accepted_with_numbers(open311, world):
    body = {"service_code": "ktp-el", "lat": -6.9, "long": 107.6, "description": "Antre."}

    response = open311.post(f"{BASE}/requests.json", body, content_type="application/json")

    assert response.status_code == 200
    assert str(Complaint.objects.get().latitude) == "-6.900000"


def test_csrf_does_not_block_submissions(world):
    client = Client(enforce_csrf_checks=True)

    assert client.post(f"{BASE}/requests.json", minimal()).status_code == 200


def test_invalid_utf8_is_replaced_not_an_error(open311, world):
    body = "service_code=ktp-el&address_string=Jl.%20Braga&description=Rusak%FF%FE%20parah"

    assert post_form(open311, body).status_code == 200
    assert Complaint.objects.get().description == "Rusak\ufffd\ufffd parah"


# --- what may be left out ----------------------------------------------------------------------


def test_empty_optional_parameters_are_absent(open311, world):
    response = open311.post(f"{BASE}/requests.json", minimal(
        lat="", long="", address_id="", email="", first_name="", last_name="", phone="",
        api_key="", jurisdiction_id="", media_url="", account_id="", device_id=""))

    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.latitude, complaint.longitude) == (None, None)
    assert not Reporter.objects.filter(complaint=complaint).exists()


def test_an_empty_lat_and_long_is_no_location(open311, world):
    response = open311.post(f"{BASE}/requests.json",
                            {"service_code": "ktp-el", "lat": "", "long": " "})

    assert_error(response, 400, "A location is required: lat and long, or address_string, "
                                "or address_id.")


def test_an_address_id_alone_is_a_location(open311, world):
    response = open311.post(f"{BASE}/requests.json",
                            {"service_code": "ktp-el", "address_id": "545483"})

    assert response.status_code == 200
    assert Complaint.objects.get().location_text == "address_id 545483"


def test_without_a_description_the_service_name_says_what_it_is_about(open311, world):
    response = open311.post(f"{BASE}/requests.json",
                            {"service_code": "ktp-el", "lat": "-6.9", "long": "107.6"})

    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert (complaint.title, complaint.description) == ("KTP elektronik", "KTP elektronik")


def test_the_title_is_the_description_cut_on_a_word_boundary():
    text = ("Jalan di depan kantor kelurahan berlubang besar dan sudah menyebabkan dua "
            "kecelakaan motor minggu ini")

    title = title_from(text)

    assert title == ("Jalan di depan kantor kelurahan berlubang besar dan sudah menyebabkan "
                     "dua…")
    assert text.startswith(title[:-1])
    assert len(title) <= 81
    assert title_from("a" * 200) == "a" * 80 + "…"
    assert title_from("Pendek\n\nsekali.") == "Pendek sekali."


@pytest.mark.parametrize("visibility", [Visibility.ANONYMOUS, Visibility.CONFIDENTIAL])
def test_visibility_is_an_extension_parameter(open311, world, visibility):
    [created] = as_json(open311.post(f"{BASE}/requests.json", minimal(visibility=visibility)))

    complaint = Complaint.objects.get()
    assert complaint.visibility == visibility
    found = open311.get(f"{BASE}/requests/{created['service_request_id']}.json")
    assert found.status_code == (404 if visibility == Visibility.CONFIDENTIAL else 200)


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "http_status", "description"), [
    ({"address_string": "Jl. Braga"}, 400, "service_code was not provided."),
    ({"service_code": " ", "address_string": "Jl. Braga"}, 400,
     "service_code was not provided."),
    ({"service_code": "jalan-rusak", "address_string": "Jl. Braga"}, 404,
     "service_code 'jalan-rusak' was not found."),
    ({"service_code": "ktp el!", "address_string": "Jl. Braga"}, 404,
     "service_code 'ktp el!' was not found."),
    ({"service_code": "ktp-el"}, 400,
     "A location is required: lat and long, or address_string, or address_id."),
    ({"service_code": "ktp-el", "lat": "-6.9"}, 400, "lat and long must be sent together."),
    ({"service_code": "ktp-el", "lat": "", "long": "107.6"}, 400,
     "lat and long must be sent together."),
    ({"service_code": "ktp-el", "lat": "south", "long": "107.6"}, 400,
     "latitude must be a number from -90 to 90."),
    ({"service_code": "ktp-el", "lat": "NaN", "long": "107.6"}, 400,
     "latitude must be a number from -90 to 90."),
    ({"service_code": "ktp-el", "lat": "-6.9", "long": "1e999999"}, 400,
     "longitude must be a number from -180 to 180."),
    ({"service_code": "ktp-el", "lat": "91", "long": "107.6"}, 400,
     "latitude must be a number from -90 to 90."),
    ({"service_code": "ktp-el", "lat": "1" * 41, "long": "107.6"}, 400,
     "lat is limited to 40 characters."),
    (minimal(email="bukan-email"), 400, "email is not a valid e-mail address."),
    (minimal(description="x" * 4001), 400, "description is limited to 4,000 characters."),
    (minimal(address_string="x" * 301), 400, "address_string is limited to 300 characters."),
    (minimal(phone="0" * 41), 400, "phone is limited to 40 characters."),
    (minimal(first_name="n" * 101), 400, "first_name is limited to 100 characters."),
    (minimal(description="Ada\x00nol"), 400,
     "description contains characters that are not allowed."),
    (minimal(visibility="secret"), 400, "visibility is not known."),
])
def test_bad_submissions_are_error_lists_in_both_formats(open311, world, body, http_status,
                                                         description):
    for fmt in ("json", "xml"):
        response = open311.post(f"{BASE}/requests.{fmt}", body)
        assert_error(response, http_status, description)
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("withdrawn", ["service", "agency"])
def test_an_inactive_service_takes_no_complaints(open311, world, withdrawn):
    target = world.service if withdrawn == "service" else world.agency
    type(target).objects.filter(pk=target.pk).update(is_active=False)

    assert_error(open311.post(f"{BASE}/requests.json", minimal()), 400,
                 "This service no longer takes complaints.")


def test_a_body_that_is_not_parameters_is_400(open311, world):
    for body, content_type in (("[1, 2]", "application/json"), ("{", "application/json"),
                               ("service_code=ktp-el", "text/plain"),
                               ("--x\r\nbroken", "multipart/form-data; boundary=x")):
        response = open311.post(f"{BASE}/requests.json", body, content_type=content_type)
        assert_error(response, 400)
    assert not Complaint.objects.exists()


def test_a_json_body_with_nested_values_is_400(open311, world):
    body = json.dumps({"service_code": ["ktp-el"], "address_string": "Jl. Braga"})

    response = open311.post(f"{BASE}/requests.json", body, content_type="application/json")

    assert_error(response, 400, "service_code must be text.")


def test_a_lone_surrogate_in_a_json_body_is_400(open311, world):
    body = '{"service_code": "ktp-el", "address_string": "Jl. \\ud800"}'

    response = open311.post(f"{BASE}/requests.json", body, content_type="application/json")

    assert_error(response, 400, "address_string contains characters that are not allowed.")


# --- api_key -------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["query", "body"])
def test_an_invalid_api_key_is_403(open311, world, where):
    for fmt in ("json", "xml"):
        if where == "query":
            response = open311.post(f"{BASE}/requests.{fmt}?api_key=xyz", minimal())
        else:
            response = open311.post(f"{BASE}/requests.{fmt}", minimal(api_key="xyz"))
        assert_error(response, 403, "Invalid api_key received -- can't proceed.")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("where", ["query", "body"])
def test_a_valid_api_key_is_accepted_and_the_complaint_stays_the_citizens(open311, world,
                                                                           where):
    _, secret = ApiToken.issue(world.officer, "x")

    if where == "query":
        response = open311.post(f"{BASE}/requests.json?api_key={secret}", minimal())
    else:
        response = open311.post(f"{BASE}/requests.json", minimal(api_key=secret))

    assert response.status_code == 200
    assert Complaint.objects.get().events.get().role == "citizen"


def test_jurisdiction_id_in_the_query_is_ignored(open311, world):
    response = open311.post(f"{BASE}/requests.json?jurisdiction_id=bandung.go.id", minimal())

    assert response.status_code == 200


# --- throttling ----------------------------------------------------------------------------------


def submit_rate(rate: str) -> dict:
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["submit"] = rate
    return rest


def test_submissions_are_throttled_per_client_address(open311, world):
    with override_settings(REST_FRAMEWORK=submit_rate("2/hour")):
        for _ in range(2):
            assert open311.post(f"{BASE}/requests.json", minimal()).status_code == 200
        throttled = open311.post(f"{BASE}/requests.xml", minimal())
        elsewhere = open311.post(f"{BASE}/requests.json", minimal(),
                                 REMOTE_ADDR="203.0.113.9")
        reading = open311.get(f"{BASE}/requests.json")

    assert_error(throttled, 429, "Too many service requests from this address; try again "
                                 "later.")
    assert int(throttled["Retry-After"]) > 0
    assert elsewhere.status_code == 200
    assert reading.status_code == 200
    assert Complaint.objects.count() == 3
