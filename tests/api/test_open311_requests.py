"""Open311 GET requests and GET requests/{id}: public complaints as service requests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.open311 import params
from complaints.models import ServiceStandard, Visibility
from tests.api.test_open311 import (  # noqa: F401  (fixtures)
    BASE,
    REQUEST_FIELDS,
    as_json,
    as_xml,
    as_xml_records,
    assert_error,
    fresh_throttle,
    open311,
    xml_records,
)
from tests.conftest import MONDAY_9_WIB
from workflow.services import complaint_transition
from workflow.states import Action, ClockName, State

WIB = ZoneInfo("Asia/Jakarta")
NOTICE = ("Verification within 3 working days; a first answer within 14 calendar days; "
          "resolution within 60 calendar days (UU 25/2009 tentang Pelayanan Publik).")


def w3c(value: dt.datetime) -> str:
    return value.astimezone(WIB).isoformat(timespec="seconds")


def due(complaint, name: str) -> dt.datetime:
    return complaint.clocks.get(name=name, stopped_at__isnull=True).due_at


@pytest.fixture
def next_day():
    """The day after the personas' complaints: all of them inside the default window."""
    with time_machine.travel(MONDAY_9_WIB + dt.timedelta(days=1), tick=False):
        yield


def listed(open311, query: str = "") -> list[dict]:
    return as_json(open311.get(f"{BASE}/requests.json{query}"))


def ids(items: list[dict]) -> set[str]:
    return {item["service_request_id"] for item in items}


# --- the representation ---------------------------------------------------------------------


def test_a_new_request_in_full(open311, world, submit, next_day):
    complaint = submit(location_text="Jl. Merdeka 1, Bandung", latitude="-6.914744",
                       longitude="107.609810").complaint

    body = listed(open311)

    assert body == [{
        "service_request_id": complaint.tracking_number,
        "status": "open",
        "status_notes": "Received; waiting for verification by the agency.",
        "service_name": "KTP elektronik",
        "service_code": "ktp-el",
        "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
        "agency_responsible": "Dinas Kependudukan",
        "service_notice": NOTICE,
        "requested_datetime": "2026-02-02T09:00:00+07:00",
        "updated_datetime": "2026-02-02T09:00:00+07:00",
        "expected_datetime": w3c(due(complaint, ClockName.VERIFY)),
        "address": "Jl. Merdeka 1, Bandung",
        "address_id": None,
        "zipcode": None,
        "lat": -6.914744,
        "long": 107.60981,
        "media_url": None,
    }]


def test_fields_are_those_of_the_specification_example_in_both_formats(
        open311, world, submit, next_day):
    submit()

    json_body = listed(open311)
    root = as_xml(open311.get(f"{BASE}/requests.xml"))

    assert list(json_body[0]) == REQUEST_FIELDS
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert xml_records(root) == as_xml_records(json_body)


def test_each_request_carries_the_notice_of_the_standard_version_it_pinned(
        open311, world, submit, next_day):
    # The list writes each version's notice once: requests of another version get theirs.
    bylaw = ServiceStandard.objects.get(service=world.other_service)
    bylaw.legal_reference = "Perwali Kendari 7/2021"
    bylaw.save()
    bylaw.clocks.filter(name=ClockName.VERIFY).update(duration=2)
    numbers = [submit(service=service).complaint.tracking_number
               for service in (world.service, world.other_service, world.service)]

    notices = {item["service_request_id"]: item["service_notice"] for item in listed(open311)}

    assert [notices[n] for n in numbers] == [
        NOTICE,
        "Verification within 2 working days; a first answer within 14 calendar days; "
        "resolution within 60 calendar days (Perwali Kendari 7/2021).",
        NOTICE]


def test_ids_and_codes_are_strings_and_times_carry_the_offset(open311, world, submit, next_day):
    submit()

    [item] = listed(open311)

    assert isinstance(item["service_request_id"], str)
    assert isinstance(item["service_code"], str)
    assert item["requested_datetime"].endswith("+07:00")


def test_a_single_request_is_a_list_of_one(open311, world, submit, next_day):
    complaint = submit().complaint

    body = as_json(open311.get(f"{BASE}/requests/{complaint.tracking_number}.json"))
    root = as_xml(open311.get(f"{BASE}/requests/{complaint.tracking_number}.xml"))

    assert body == listed(open311)
    assert root.tag == "service_requests"
    assert xml_records(root) == as_xml_records(body)


def test_a_single_request_is_found_however_the_number_is_typed(open311, world, submit):
    number = submit().complaint.tracking_number

    body = as_json(open311.get(f"{BASE}/requests/{number.lower().replace('-', '')}.json"))

    assert ids(body) == {number}


@pytest.mark.parametrize("reference", ["ABCDE-FGHJK", "1" * 5000, "%FF%FE%00", "x%20y"])
def test_an_unknown_request_is_404(open311, world, reference):
    for fmt in ("json", "xml"):
        assert_error(open311.get(f"{BASE}/requests/{reference}.{fmt}"), 404,
                     "service_request_id was not found.")


def test_a_path_that_is_no_request_is_404(open311, world):
    assert_error(open311.get(f"{BASE}/requests/..%2F..%2Fetc.json"), 404)


# --- status, status_notes and expected_datetime ------------------------------------------------


@pytest.mark.parametrize(("state", "status", "notes", "clock"), [
    (State.RECEIVED, "open", "Received; waiting for verification by the agency.",
     ClockName.VERIFY),
    (State.ASSIGNED, "open", "Being handled by Bidang KTP.", ClockName.FIRST_RESPONSE),
    (State.RESPONDED, "open", "KTP-el sudah dicetak dan dapat diambil.", ClockName.RESOLUTION),
    (State.CLOSED, "closed", "KTP-el sudah dicetak dan dapat diambil.", None),
])
def test_states_map_to_open_and_closed(open311, world, complaint_in, next_day, state, status,
                                       notes, clock):
    complaint = complaint_in(state)

    [item] = listed(open311)

    assert item["status"] == status
    assert item["status_notes"] == notes
    assert item["expected_datetime"] == (w3c(due(complaint, clock)) if clock else None)


def test_waiting_for_the_citizen_shows_the_paused_first_response_deadline(
        open311, world, complaint_in, next_day):
    complaint = complaint_in(State.ASSIGNED)
    complaint_transition(complaint=complaint, action=Action.REQUEST_INFO,
                         actor=world.actor("officer"), payload={"message": "Nomor KK?"},
                         now=MONDAY_9_WIB + dt.timedelta(hours=1))

    [item] = listed(open311)

    assert item["status_notes"] == "Waiting for more information from the reporter."
    assert item["expected_datetime"] == w3c(due(complaint, ClockName.FIRST_RESPONSE))
    # The message to the citizen is between them and the officer.
    assert "Nomor KK" not in str(item)


@pytest.mark.parametrize(("action", "payload", "notes"), [
    (Action.REJECT, {"reason": "spam"}, "Rejected as spam or abusive."),
    (Action.REJECT, {"reason": "out_of_scope"}, "Rejected: outside this agency's authority."),
    (Action.REFER, {"agency_name": "Kantor Imigrasi"}, "Referred to Kantor Imigrasi."),
])
def test_closed_without_a_response_says_why(open311, world, submit, next_day, action, payload,
                                            notes):
    complaint = submit().complaint
    complaint_transition(complaint=complaint, action=action, actor=world.actor("coordinator"),
                         payload=payload, now=MONDAY_9_WIB + dt.timedelta(hours=2))

    [item] = listed(open311)

    assert (item["status"], item["status_notes"]) == ("closed", notes)
    assert item["expected_datetime"] is None
    assert item["updated_datetime"] == "2026-02-02T11:00:00+07:00"


def test_updated_datetime_is_the_last_change(open311, world, submit, next_day):
    complaint = submit().complaint
    complaint_transition(complaint=complaint, action=Action.ASSIGN,
                         actor=world.actor("coordinator"),
                         payload={"unit": world.unit.code, "assignee": "officer"},
                         now=MONDAY_9_WIB + dt.timedelta(minutes=30))

    [item] = listed(open311)

    assert item["requested_datetime"] == "2026-02-02T09:00:00+07:00"
    assert item["updated_datetime"] == "2026-02-02T09:30:00+07:00"


def test_times_are_in_the_agency_zone(open311, world, submit, next_day):
    world.agency.time_zone = "Asia/Jayapura"
    world.agency.save()
    submit()

    [item] = listed(open311)

    assert item["requested_datetime"] == "2026-02-02T11:00:00+09:00"


# --- privacy ---------------------------------------------------------------------------------


def test_confidential_complaints_are_never_shown(open311, world, submit, next_day):
    public = submit().complaint
    secret = submit(visibility=Visibility.CONFIDENTIAL).complaint
    number = secret.tracking_number

    assert ids(listed(open311)) == {public.tracking_number}
    assert ids(listed(open311, f"?service_request_id={number},{public.tracking_number}")) == {
        public.tracking_number}
    for fmt in ("json", "xml"):
        assert_error(open311.get(f"{BASE}/requests/{number}.{fmt}"), 404)
        assert_error(open311.get(f"{BASE}/tokens/{number}.{fmt}"), 404)


def test_anonymous_complaints_are_shown_like_public_ones(open311, world, submit, next_day):
    anonymous = submit(visibility=Visibility.ANONYMOUS).complaint

    [item] = listed(open311)

    assert item["service_request_id"] == anonymous.tracking_number
    assert item["description"] == anonymous.description


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.ANONYMOUS])
def test_no_reporter_identity_in_any_response(open311, world, submit, next_day, visibility):
    number = submit(visibility=visibility, reporter={
        "name": "Siti Rahayu", "email": "siti@example.id", "phone": "081234567890",
        "address": "Jl. Rahasia 9", "id_number": "3273010101010001",
    }).complaint.tracking_number

    for path in ("requests", f"requests/{number}", f"tokens/{number}"):
        for fmt in ("json", "xml"):
            content = open311.get(f"{BASE}/{path}.{fmt}").content.decode()
            assert number in content
            for secret in ("Siti", "Rahayu", "siti@example.id", "081234567890",
                           "Rahasia", "3273010101010001"):
                assert secret not in content


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def spread(world, submit):
    """Complaints of both services at several times, in several states."""
    made = {
        "old": submit(now=MONDAY_9_WIB - dt.timedelta(days=100)).complaint,
        "edge": submit(now=MONDAY_9_WIB - dt.timedelta(days=90)).complaint,
        "recent": submit(now=MONDAY_9_WIB - dt.timedelta(days=10)).complaint,
        "parking": submit(service=world.other_service,
                          now=MONDAY_9_WIB - dt.timedelta(days=5)).complaint,
        "today": submit().complaint,
    }
    complaint_transition(complaint=made["recent"], action=Action.REJECT,
                         actor=world.actor("coordinator"), payload={"reason": "spam"},
                         now=MONDAY_9_WIB - dt.timedelta(days=9))
    return {k: c.tracking_number for k, c in made.items()}


def test_default_window_is_the_most_recent_90_days(open311, spread):
    with time_machine.travel(MONDAY_9_WIB, tick=False):
        body = listed(open311)

    assert ids(body) == {spread[k] for k in ("edge", "recent", "parking", "today")}
    # Newest first.
    assert body[0]["service_request_id"] == spread["today"]


@pytest.mark.parametrize(("query", "expected"), [
    ("?start_date=2025-10-01T00:00:00Z&end_date=2025-11-01T00:00:00Z", {"old"}),
    ("?start_date=2026-01-20T00:00:00%2B07:00&end_date=2026-02-02T09:00:00%2B07:00",
     {"recent", "parking", "today"}),
    # Only one bound: 90 days on from it, or back from it.
    ("?start_date=2026-01-27", {"parking", "today"}),
    ("?end_date=2025-11-01T00:00:00Z", {"old"}),
    # A date-time without an offset is read as UTC.
    ("?start_date=2026-02-02T01:59:59&end_date=2026-02-02T02:00:00", {"today"}),
])
def test_start_and_end_date(open311, spread, query, expected):
    assert ids(listed(open311, query)) == {spread[k] for k in expected}


@pytest.mark.parametrize(("query", "expected"), [
    ("?service_code=parkir", {"parking"}),
    ("?service_code=parkir,ktp-el", {"edge", "recent", "parking", "today"}),
    ("?service_code=parkir&service_code=ktp-el", {"edge", "recent", "parking", "today"}),
    ("?service_code=unknown", set()),
    ("?status=closed", {"recent"}),
    ("?status=open", {"edge", "parking", "today"}),
    ("?status=open,closed", {"edge", "recent", "parking", "today"}),
    ("?status=OPEN&service_code=ktp-el", {"edge", "today"}),
])
def test_service_code_and_status(open311, spread, query, expected):
    with time_machine.travel(MONDAY_9_WIB, tick=False):
        assert ids(listed(open311, query)) == {spread[k] for k in expected}


def test_service_request_id_overrides_every_other_argument(open311, spread):
    query = (f"?service_request_id={spread['old']},{spread['parking'].lower()},NOT-AN-ID"
             "&service_code=ktp-el&status=closed&start_date=2026-02-01T00:00:00Z")

    assert ids(listed(open311, query)) == {spread["old"], spread["parking"]}


def test_empty_parameters_are_the_same_as_absent_ones(open311, spread):
    with time_machine.travel(MONDAY_9_WIB, tick=False):
        plain = open311.get(f"{BASE}/requests.json")
        empty = open311.get(f"{BASE}/requests.json?service_request_id=&service_code=&status="
                            "&start_date=&end_date=&jurisdiction_id=&api_key=")

    assert empty.status_code == 200
    assert empty.content == plain.content


def test_at_most_the_first_results_are_returned(open311, spread, monkeypatch):
    # 1000 in production; a smaller limit shows the rule without creating 1001 complaints.
    monkeypatch.setattr(params, "MAX_RESULTS", 2)
    with time_machine.travel(MONDAY_9_WIB, tick=False):
        body = listed(open311)

    assert [i["service_request_id"] for i in body] == [spread["today"], spread["parking"]]


@pytest.mark.parametrize(("query", "description"), [
    ("?start_date=2025-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
     "start_date and end_date may not span more than 90 days."),
    ("?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
     "end_date must not be before start_date."),
    ("?start_date=yesterday", "start_date must be a W3C date-time such as 2010-01-01T00:00:00Z."),
    ("?end_date=2026-13-45T00:00:00Z",
     "end_date must be a W3C date-time such as 2010-01-01T00:00:00Z."),
    ("?start_date=2026-02-01T25:00:00Z",
     "start_date must be a W3C date-time such as 2010-01-01T00:00:00Z."),
    ("?end_date=0001-01-01T00:00:00Z", "start_date or end_date is out of range."),
    ("?start_date=0001-01-01T00:00:00%2B05:00", "start_date is out of range."),
    ("?end_date=9999-12-31T23:59:59-05:00", "end_date is out of range."),
    ("?start_date=9999-12-31T00:00:00Z", "start_date or end_date is out of range."),
    ("?start_date=" + "9" * 100, "start_date is limited to 64 characters."),
    ("?status=pending", "status must be open or closed, not 'pending'."),
    ("?service_code=ktp%00el", "service_code contains characters that are not allowed."),
    ("?service_request_id=" + ",".join(["ABCDE-FGHJK"] * 1001),
     "At most 1000 service_request_id values may be given at once."),
])
def test_bad_arguments_are_400_in_both_formats(open311, world, query, description):
    for fmt in ("json", "xml"):
        assert_error(open311.get(f"{BASE}/requests.{fmt}{query}"), 400, description)


def test_invalid_utf8_in_the_query_is_not_an_error(open311, world):
    response = open311.get(f"{BASE}/requests.json?service_code=%FF%FE&jurisdiction_id=%C3")

    assert response.status_code == 200
    assert as_json(response) == []


# --- long and unusual text -------------------------------------------------------------------


def test_description_is_cut_to_the_specification_limit(open311, world, submit, next_day):
    submit(description="panjang " * 1000)

    [item] = listed(open311)

    assert len(item["description"]) == 4000


def test_characters_xml_cannot_carry_are_left_out_of_xml(open311, world, submit, next_day):
    submit(description="Antrean\x0b panjang\x01 sekali \u2603")

    root = as_xml(open311.get(f"{BASE}/requests.xml"))

    assert root.findtext("request/description") == "Antrean panjang sekali \u2603"
    assert listed(open311)[0]["description"] == "Antrean\x0b panjang\x01 sekali \u2603"


# --- query count -----------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_results(open311, world, submit, complaint_in,
                                                    next_day, django_assert_max_num_queries):
    for state in (State.RECEIVED, State.ASSIGNED, State.CLOSED):
        complaint_in(state)
    with CaptureQueriesContext(connection) as three:
        assert len(listed(open311)) == 3
    for _ in range(17):
        submit()

    # 1: the complaints with service, agency, unit, standard, last change and the deadline
    # awaited (two subqueries); 2: the clock policies of their pinned standards.
    with django_assert_max_num_queries(2):
        assert len(listed(open311)) == 20
    with CaptureQueriesContext(connection) as twenty:
        listed(open311)
    assert len(twenty) == len(three) == 2
    # With service codes, one more first: their keys.
    with CaptureQueriesContext(connection) as by_service:
        assert len(listed(open311, "?service_code=ktp-el,parkir")) == 20
    assert len(by_service) == 3
