"""The complaint exports: `exports/complaints.csv` and `exports/complaints.jsonl`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings

from api.exports.complaints import CSV_HEADER
from complaints.models import Membership
from tests.api.conftest import error_code
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.models import Event
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

CSV_URL = "/api/v1/exports/complaints.csv"
JSONL_URL = "/api/v1/exports/complaints.jsonl"
SOON = MONDAY_9_WIB + dt.timedelta(hours=1)
BOM = "\ufeff".encode()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(SOON, tick=False):
        yield


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content)


def jsonl(response: Any) -> list[dict[str, Any]]:
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    return [json.loads(line) for line in body(response).decode().splitlines()]


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = body(response)
    assert content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(CSV_HEADER)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def numbers(records: list[dict[str, Any]]) -> list[str]:
    return [r["tracking_number"] for r in records]


def last_hash(complaint: Any) -> str:
    return complaint.events.order_by("-seq").first().hash


def coordinator_elsewhere(world: Any, as_persona: Any) -> Any:
    """A coordinator of the other agency, which the shared personas lack."""
    user = get_user_model().objects.create_user(username="koordinator.dishub", password="x")
    Membership.objects.create(user=user, role=Role.COORDINATOR, agency=world.other_agency)
    world.coordinator_elsewhere = user
    return as_persona("coordinator_elsewhere")


NEVER_STARTED = {"due_at": None, "status": None, "breached_at": None, "cycles": 0}


class TestAccess:
    @pytest.mark.parametrize("url", [CSV_URL, JSONL_URL])
    def test_needs_credentials(self, world, api, url):
        response = api.get(url)
        assert response.status_code == 401 and error_code(response) == "not_authenticated"

    def test_each_role_exports_its_scope(self, world, as_persona, complaint_in, submit):
        received = complaint_in(State.RECEIVED)
        assigned = complaint_in(State.ASSIGNED)
        elsewhere = submit(service=world.other_service).complaint
        seen = {p: set(numbers(jsonl(as_persona(p).get(JSONL_URL)))) for p in (
            "coordinator", "supervisor", "officer", "outside_officer", "ombudsman")}
        assert seen["coordinator"] == {received.tracking_number, assigned.tracking_number}
        assert seen["supervisor"] == seen["officer"] == {assigned.tracking_number}
        assert seen["outside_officer"] == set()
        assert seen["ombudsman"] == {received.tracking_number, assigned.tracking_number,
                                     elsewhere.tracking_number}
        other = coordinator_elsewhere(world, as_persona)
        assert numbers(csv_rows(other.get(CSV_URL))) == [elsewhere.tracking_number]

    def test_confidential_complaints_reach_the_ombudsman_but_identity_never(
        self, world, as_persona, submit
    ):
        complaint = submit(visibility="confidential", reporter={
            "name": "Siti Rahayu", "email": "siti@example.id", "phone": "+62811223344",
            "id_number": "3273012345678901", "address": "Jl. Braga 1",
            "consent_to_share": True,
        }).complaint
        client = as_persona("ombudsman")
        events_before = Event.objects.count()
        for url in (CSV_URL, JSONL_URL):
            content = body(client.get(url)).decode("utf-8-sig")
            assert complaint.tracking_number in content and "confidential" in content
            for identity in ("Siti", "siti@example.id", "811223344", "3273012345678901",
                             "Braga"):
                assert identity not in content
        # No identity left the system, so no identity view was recorded.
        assert Event.objects.count() == events_before

    def test_accept_header_does_not_matter_and_errors_stay_json(self, world, as_persona,
                                                                  complaint_in):
        complaint_in(State.RECEIVED)
        client = as_persona("coordinator")
        for accept in ("text/csv", "application/json", "application/xml"):
            assert len(csv_rows(client.get(CSV_URL, HTTP_ACCEPT=accept))) == 1
        response = client.get(JSONL_URL, {"state": "lost"}, HTTP_ACCEPT="application/x-ndjson")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"


class TestContents:
    def test_a_closed_complaint_exactly(self, world, as_persona, complaint_in):
        complaint = complaint_in(State.CLOSED)
        [record] = jsonl(as_persona("ombudsman").get(JSONL_URL))
        assert record == {
            "tracking_number": complaint.tracking_number,
            "state": "closed",
            "agency_code": "disdukcapil",
            "agency_name": "Dinas Kependudukan",
            "unit_code": "disdukcapil-ktp",
            "service_code": "ktp-el",
            "service_name": "KTP elektronik",
            "standard_version": 1,
            "channel": "web",
            "visibility": "public",
            "classification": "",
            "complexity": "normatif",
            "title": "KTP-el belum jadi",
            "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
            "location_text": "",
            "latitude": None,
            "longitude": None,
            "assignee": "officer",
            "received_at": "2026-02-02T09:00:00+07:00",
            "assigned_at": "2026-02-02T09:01:00+07:00",
            "first_answered_at": "2026-02-02T09:02:00+07:00",
            "responded_at": "2026-02-02T09:02:00+07:00",
            "closed_at": "2026-02-02T09:03:00+07:00",
            "updated_at": "2026-02-02T10:00:00+07:00",
            "closure_reason": "resolved",
            "rejection_reason": "",
            "duplicate_of": None,
            "referred_to": None,
            "referred_to_agency": "",
            "dispute_count": 0,
            "feedback_rating": 5,
            "feedback_comment": "Terima kasih.",
            "sla": {
                "verify": {"due_at": "2026-02-05T23:59:59+07:00", "status": "met",
                           "breached_at": None, "cycles": 1},
                "first_response": {"due_at": "2026-02-09T23:59:59+07:00", "status": "met",
                                   "breached_at": None, "cycles": 1},
                "statutory_answer": {"due_at": "2026-02-16T23:59:59+07:00", "status": "met",
                                     "breached_at": None, "cycles": 1},
                "resolution": {"due_at": "2026-04-03T23:59:59+07:00", "status": "met",
                               "breached_at": None, "cycles": 1},
                "info_wait": NEVER_STARTED,
                "reply_window": {"due_at": "2026-02-18T23:59:59+07:00", "status": "met",
                                 "breached_at": None, "cycles": 1},
            },
            "events_count": 4,
            "last_event_hash": last_hash(complaint),
        }

    def test_the_csv_row_carries_the_same_values(self, world, as_persona, complaint_in):
        complaint = complaint_in(State.CLOSED)
        response = as_persona("ombudsman").get(CSV_URL)
        assert response["Content-Disposition"] == \
            'attachment; filename="aduan-complaints-2026-02-02.csv"'
        [row] = csv_rows(response)
        assert row == {
            "tracking_number": complaint.tracking_number, "state": "closed",
            "agency_code": "disdukcapil", "agency_name": "Dinas Kependudukan",
            "unit_code": "disdukcapil-ktp", "service_code": "ktp-el",
            "service_name": "KTP elektronik", "standard_version": "1", "channel": "web",
            "visibility": "public", "classification": "", "complexity": "normatif",
            "title": "KTP-el belum jadi",
            "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
            "location_text": "", "latitude": "", "longitude": "", "assignee": "officer",
            "received_at": "2026-02-02T09:00:00+07:00",
            "assigned_at": "2026-02-02T09:01:00+07:00",
            "first_answered_at": "2026-02-02T09:02:00+07:00",
            "responded_at": "2026-02-02T09:02:00+07:00",
            "closed_at": "2026-02-02T09:03:00+07:00",
            "updated_at": "2026-02-02T10:00:00+07:00",
            "closure_reason": "resolved", "rejection_reason": "", "duplicate_of": "",
            "referred_to": "", "referred_to_agency": "", "dispute_count": "0",
            "feedback_rating": "5", "feedback_comment": "Terima kasih.",
            "verify_due_at": "2026-02-05T23:59:59+07:00", "verify_status": "met",
            "verify_breached_at": "", "verify_cycles": "1",
            "first_response_due_at": "2026-02-09T23:59:59+07:00",
            "first_response_status": "met", "first_response_breached_at": "",
            "first_response_cycles": "1",
            "statutory_answer_due_at": "2026-02-16T23:59:59+07:00",
            "statutory_answer_status": "met", "statutory_answer_breached_at": "",
            "statutory_answer_cycles": "1",
            "resolution_due_at": "2026-04-03T23:59:59+07:00", "resolution_status": "met",
            "resolution_breached_at": "", "resolution_cycles": "1",
            "info_wait_due_at": "", "info_wait_status": "", "info_wait_breached_at": "",
            "info_wait_cycles": "0",
            "reply_window_due_at": "2026-02-18T23:59:59+07:00", "reply_window_status": "met",
            "reply_window_breached_at": "", "reply_window_cycles": "1",
            "events_count": "4", "last_event_hash": last_hash(complaint),
        }

    def test_clock_statuses_breaches_pauses_and_cycles(self, world, as_persona, complaint_in):
        late = complaint_in(State.RECEIVED, now=MONDAY_9_WIB - dt.timedelta(days=12))
        waiting = complaint_in(State.ASSIGNED)
        complaint_transition(complaint=waiting, action=Action.REQUEST_INFO,
                             actor=world.actor(Role.OFFICER),
                             payload=valid_payload(Action.REQUEST_INFO, world),
                             now=MONDAY_9_WIB + dt.timedelta(minutes=5))
        disputed = complaint_in(State.RESPONDED)
        complaint_transition(complaint=disputed, action=Action.DISPUTE,
                             actor=world.actor(Role.CITIZEN, disputed),
                             payload=valid_payload(Action.DISPUTE, world),
                             now=MONDAY_9_WIB + dt.timedelta(minutes=5))
        sla = {r["tracking_number"]: r["sla"]
               for r in jsonl(as_persona("coordinator").get(JSONL_URL))}

        # Past its deadline and not yet swept: breached from the deadline on.
        assert sla[late.tracking_number]["verify"] == {
            "due_at": "2026-01-26T23:59:59+07:00", "status": "breached",
            "breached_at": "2026-01-26T23:59:59+07:00", "cycles": 1}
        assert sla[late.tracking_number]["statutory_answer"]["status"] == "at_risk"
        assert sla[late.tracking_number]["first_response"] == NEVER_STARTED
        assert {k: v["status"] for k, v in sla[waiting.tracking_number].items()} == {
            "verify": "met", "first_response": "paused", "statutory_answer": "met",
            "resolution": "paused", "info_wait": "running", "reply_window": None}
        assert sla[disputed.tracking_number]["first_response"]["cycles"] == 2
        assert sla[disputed.tracking_number]["first_response"]["status"] == "running"
        assert sla[disputed.tracking_number]["reply_window"]["status"] == "met"

    def test_formulas_are_neutralised_in_csv_only(self, world, as_persona, submit):
        submit(title="=HYPERLINK(\"http://x.example\")", description="+62 811 dan -5",
               location_text="@SUM(A1)", latitude="-6.914744", longitude="107.609810")
        response = as_persona("coordinator")
        [row] = csv_rows(response.get(CSV_URL))
        assert row["title"] == "'=HYPERLINK(\"http://x.example\")"
        assert row["description"] == "'+62 811 dan -5"
        assert row["location_text"] == "'@SUM(A1)"
        # Coordinates are numbers, not text: a negative latitude stays a number.
        assert (row["latitude"], row["longitude"]) == ("-6.914744", "107.609810")
        [record] = jsonl(response.get(JSONL_URL))
        assert record["title"] == "=HYPERLINK(\"http://x.example\")"
        assert (record["latitude"], record["longitude"]) == ("-6.914744", "107.609810")

    def test_text_is_quoted_and_kept_whole(self, world, as_persona, submit):
        description = 'Antre "nomor 7",\r\nlalu ditolak; lagi\nbesok — ñ 漢字'
        submit(description=description)
        [row] = csv_rows(as_persona("coordinator").get(CSV_URL))
        assert row["description"] == description


class TestFilters:
    def test_filters_of_the_list_apply(self, world, as_persona, complaint_in, submit):
        client = as_persona("ombudsman")
        received = complaint_in(State.RECEIVED)
        closed = complaint_in(State.CLOSED)
        elsewhere = submit(service=world.other_service).complaint
        assert numbers(jsonl(client.get(JSONL_URL, {"state": "closed"}))) == [
            closed.tracking_number]
        assert numbers(jsonl(client.get(JSONL_URL, {"agency": "dishub"}))) == [
            elsewhere.tracking_number]
        assert numbers(csv_rows(client.get(CSV_URL, {"q": received.tracking_number}))) == [
            received.tracking_number]
        assert numbers(jsonl(client.get(JSONL_URL, {"closure_reason": "resolved"}))) == [
            closed.tracking_number]
        assert numbers(jsonl(client.get(JSONL_URL, {"sla_status": "met",
                                                     "sla_clock": "reply_window"}))) == [
            closed.tracking_number]

    def test_an_unknown_agency_gives_an_empty_export(self, world, as_persona, submit):
        submit()
        client = as_persona("ombudsman")
        assert csv_rows(client.get(CSV_URL, {"agency": "no-such"})) == []
        assert jsonl(client.get(JSONL_URL, {"agency": "no-such"})) == []

    def test_service_filter(self, world, as_persona, submit):
        ours = submit().complaint
        submit(service=world.other_service)
        records = jsonl(as_persona("ombudsman").get(JSONL_URL, {"service": "ktp-el"}))
        assert numbers(records) == [ours.tracking_number]

    @pytest.mark.parametrize("params", [
        {"state": "lost"}, {"updated_since": "yesterday"}, {"service": "no-such-service"},
        {"sla_status": "late"},
    ])
    @pytest.mark.parametrize("url", [CSV_URL, JSONL_URL])
    def test_an_invalid_filter_is_400_before_anything_streams(self, world, as_persona, url,
                                                                 params):
        response = as_persona("ombudsman").get(url, params)
        assert response.status_code == 400 and not response.streaming
        assert error_code(response) == "invalid_input"
        assert set(response.json()["error"]["details"]["errors"]) == set(params)

    def test_updated_since_pulls_incrementally_in_update_order(self, world, as_persona,
                                                                submit):
        first = submit().complaint
        with time_machine.travel(SOON + dt.timedelta(hours=1), tick=False):
            second = submit().complaint
            third = submit().complaint
        client = as_persona("ombudsman")
        records = jsonl(client.get(JSONL_URL))
        assert numbers(records) == [first.tracking_number, second.tracking_number,
                                    third.tracking_number]
        high_water = max(r["updated_at"] for r in records)
        assert high_water == "2026-02-02T11:00:00+07:00"

        with time_machine.travel(SOON + dt.timedelta(hours=2), tick=False):
            complaint_transition(complaint=first, action=Action.ASSIGN,
                                 actor=world.actor(Role.COORDINATOR),
                                 payload=valid_payload(Action.ASSIGN, world))
        # At or after the high-water mark: the rows sharing it come again (harmless,
        # replace by tracking number), and the complaint changed since comes last.
        pulled = jsonl(client.get(JSONL_URL, {"updated_since": high_water}))
        assert numbers(pulled) == [second.tracking_number, third.tracking_number,
                                   first.tracking_number]
        assert pulled[-1]["state"] == "assigned"
        assert pulled[-1]["updated_at"] == "2026-02-02T12:00:00+07:00"


class TestQueries:
    def _export(self, client: Any, django_assert_num_queries: Any, chunks: int) -> int:
        if connection.vendor == "postgresql":
            # 1 the API token with its user and their memberships; then in a transaction
            # of its own (here a savepoint and its release) the statement timeout lifted
            # and the one COPY that streams every line.
            queries = 5
        else:
            # 1 as above, 2 the complaints with their relations, event count and last hash,
            # then the clocks once for each chunk.
            queries = 2 + chunks
        with django_assert_num_queries(queries):
            return len(csv_rows(client.get(CSV_URL)))

    @pytest.mark.parametrize("count", [3, 30])
    def test_queries_do_not_grow_with_rows_within_a_chunk(
        self, world, as_persona, submit, django_assert_num_queries, count
    ):
        client = as_persona("ombudsman")
        client.get(CSV_URL)  # the token's first use records last_used_at
        for _ in range(count):
            submit()
        with override_settings(EXPORT_CHUNK_SIZE=50):
            assert self._export(client, django_assert_num_queries, 1) == count

    def test_queries_grow_with_chunks_at_most(self, world, as_persona, submit,
                                              django_assert_num_queries):
        client = as_persona("ombudsman")
        client.get(CSV_URL)
        for _ in range(25):
            submit()
        with override_settings(EXPORT_CHUNK_SIZE=10):
            assert self._export(client, django_assert_num_queries, 3) == 25
