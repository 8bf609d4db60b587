"""Complaint reads and workflow actions over the REST API."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from api import serializers
from api.views import ComplaintPagination
from complaints.defaults import create_default_standard
from complaints.models import Agency, Service
from complaints.selectors import CATALOGUE_SECONDS
from tests.api.conftest import error_code
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

URL = "/api/v1/complaints/"
SOON = MONDAY_9_WIB + dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(SOON, tick=False):
        yield


def numbers(response) -> list[str]:
    return [c["tracking_number"] for c in response.json()["results"]]


class TestList:
    def test_needs_credentials(self, world, api):
        response = api.get(URL)
        assert response.status_code == 401 and error_code(response) == "not_authenticated"

    def test_invalid_token_is_401(self, world, api):
        response = api.get(URL, HTTP_AUTHORIZATION="Token deadbeef.nope")
        assert response.status_code == 401
        assert error_code(response) == "authentication_failed"

    def test_each_role_sees_its_scope(self, world, as_persona, complaint_in, submit):
        received = complaint_in(State.RECEIVED)
        assigned = complaint_in(State.ASSIGNED)
        elsewhere = submit(service=world.other_service).complaint
        seen = {p: set(numbers(as_persona(p).get(URL))) for p in (
            "coordinator", "supervisor", "officer", "second_officer", "outside_officer",
            "ombudsman")}
        ours = {received.tracking_number, assigned.tracking_number}
        assert seen["coordinator"] == ours
        assert seen["supervisor"] == {assigned.tracking_number}
        assert seen["officer"] == seen["second_officer"] == {assigned.tracking_number}
        assert seen["outside_officer"] == set()
        assert seen["ombudsman"] == ours | {elsewhere.tracking_number}

    def test_items_carry_the_full_representation(self, world, as_persona, complaint_in):
        complaint = complaint_in(State.ASSIGNED)
        item = as_persona("coordinator").get(URL).json()["results"][0]
        assert item["tracking_number"] == complaint.tracking_number
        assert item["service"] == {"code": "ktp-el", "name": "KTP elektronik"}
        assert item["agency"] == {"code": "disdukcapil", "name": "Dinas Kependudukan"}
        assert item["assigned_to"] == {"username": "officer", "name": ""}
        assert item["received_at"] == "2026-02-02T09:00:00+07:00"
        assert item["closed_at"] is None and item["closure_reason"] == ""
        first = next(c for c in item["sla"] if c["name"] == "first_response")
        assert first == {"name": "first_response", "cycle": 1, "duration": 5,
                         "unit": "working_days", "started_at": "2026-02-02T09:01:00+07:00",
                         "due_at": "2026-02-09T23:59:59+07:00", "status": "running",
                         "breached_at": None, "stopped_at": None, "extended_by": 0}
        verify = next(c for c in item["sla"] if c["name"] == "verify")
        assert verify["status"] == "met"

    @pytest.mark.parametrize("count", [1, 13])
    def test_query_count_does_not_grow_with_the_page(self, world, as_persona, complaint_in,
                                                       django_assert_num_queries, count):
        client = as_persona("coordinator")
        client.get(URL)  # the token's first use records last_used_at
        for _ in range(count):
            complaint_in(State.RESPONDED)
        # 1 the API token with its user and their memberships, 2 the page chosen on the
        # complaint table, then on PostgreSQL 3 the page written out (api.listing),
        # elsewhere 3 its complaints with their relations and 4 their clocks.
        with django_assert_num_queries(3 if connection.vendor == "postgresql" else 4):
            response = client.get(URL)
        assert len(response.json()["results"]) == count

    def test_links_to_other_complaints_cost_one_query_for_the_page(
            self, world, as_persona, complaint_in, submit, django_assert_num_queries):
        client = as_persona("coordinator")
        client.get(URL)
        original = complaint_in(State.RECEIVED)
        for _ in range(3):
            complaint_transition(
                complaint=submit().complaint, action=Action.REJECT,
                actor=world.actor(Role.COORDINATOR),
                payload={"reason": "duplicate", "duplicate_of": original.tracking_number},
                now=SOON)
        # As above; outside PostgreSQL, 5 the complaints they duplicate, for the page at once.
        with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
            response = client.get(URL, {"state": "closed"})
        assert [c["duplicate_of"] for c in response.json()["results"]] == \
            [original.tracking_number] * 3

    def test_the_page_is_selected_without_distinct(self, world, as_persona, complaint_in):
        # SELECT DISTINCT over every column sorted a whole scope to keep 50 rows.
        from django.test.utils import CaptureQueriesContext

        client = as_persona("coordinator")
        complaint_in(State.RESPONDED)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"state": ["received", "responded"],
                                        "channel": ["web", "phone"], "service": "ktp-el",
                                        "sla_status": ["running", "met"]})
        assert len(response.json()["results"]) == 1
        assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]

    def test_filters(self, world, as_persona, complaint_in):
        client = as_persona("coordinator")
        received = complaint_in(State.RECEIVED)
        closed = complaint_in(State.CLOSED)
        assert numbers(client.get(URL, {"state": "closed"})) == [closed.tracking_number]
        assert numbers(client.get(URL, {"state": ["received", "closed"]})) != []
        assert numbers(client.get(URL, {"q": received.tracking_number.lower()})) == [
            received.tracking_number]
        assert numbers(client.get(URL, {"closure_reason": "resolved"})) == [
            closed.tracking_number]
        assert numbers(client.get(URL, {"assignee": "officer"})) == [closed.tracking_number]
        assert numbers(client.get(URL, {"agency": "dishub"})) == []
        assert len(numbers(client.get(URL, {"service": "ktp-el"}))) == 2
        assert client.get(URL, {"service": "no-such"}).status_code == 400

    def test_sla_filter_finds_breached_complaints(self, world, as_persona, complaint_in):
        late = complaint_in(State.RECEIVED, now=MONDAY_9_WIB - dt.timedelta(days=10))
        complaint_in(State.RECEIVED)
        client = as_persona("coordinator")
        assert numbers(client.get(URL, {"sla_status": "breached", "sla_clock": "verify"})) == [
            late.tracking_number]
        assert numbers(client.get(URL, {"sla_status": "breached",
                                        "sla_clock": "resolution"})) == []

    def test_unassigned_and_several_sla_statuses(self, world, as_persona, complaint_in):
        late = complaint_in(State.RECEIVED, now=MONDAY_9_WIB - dt.timedelta(days=10))
        assigned = complaint_in(State.ASSIGNED)
        client = as_persona("coordinator")
        assert numbers(client.get(URL, {"assignee": "none"})) == [late.tracking_number]
        both = client.get(URL, {"sla_status": ["breached", "running"], "sla_clock": "verify"})
        assert set(numbers(both)) == {late.tracking_number}
        assert set(numbers(client.get(URL, {"sla_status": ["breached", "met"],
                                            "sla_clock": "verify"}))) == {
            late.tracking_number, assigned.tracking_number}

    def test_unknown_filter_value_is_400(self, world, as_persona):
        response = as_persona("coordinator").get(URL, {"state": "lost"})
        assert response.status_code == 400 and error_code(response) == "invalid_input"
        response = as_persona("coordinator").get(URL, {"received_after": "yesterday"})
        assert response.status_code == 400

    def test_default_order_is_by_the_next_deadline_then_cursor_pages(
        self, world, as_persona, complaint_in
    ):
        older = complaint_in(State.RECEIVED, now=MONDAY_9_WIB - dt.timedelta(days=2))
        newer = complaint_in(State.RECEIVED)
        closed = complaint_in(State.CLOSED)
        client = as_persona("coordinator")
        first = client.get(URL, {"page_size": 2})
        assert numbers(first) == [older.tracking_number, newer.tracking_number]
        second = client.get(first.json()["next"])
        assert numbers(second) == [closed.tracking_number]
        assert second.json()["next"] is None

    @pytest.mark.parametrize("ordering", [None, "-next_due", "received_at", "-updated_at",
                                          "id", "-id"])
    def test_next_and_previous_give_every_complaint_once_past_ties(
            self, world, as_persona, complaint_in, monkeypatch, ordering):
        """Closed complaints share their deadline (NO_DEADLINE), and these their receipt
        and last change too: more of them than DRF's offset cutoff, which made following
        `next` give the same page again."""
        monkeypatch.setattr(ComplaintPagination, "offset_cutoff", 2)
        made = [complaint_in(State.CLOSED) for _ in range(7)]
        made += [complaint_in(State.RECEIVED), complaint_in(State.ASSIGNED)]
        field = (ordering or "next_due").lstrip("-")
        descending = (ordering or "").startswith("-")
        expected = [c.tracking_number for c in sorted(
            made, key=lambda c: (getattr(c, field), c.pk), reverse=descending)]
        assert len({getattr(c, field) for c in made}) < len(made) or field == "id"
        client = as_persona("coordinator")
        query = {"page_size": 2, **({"ordering": ordering} if ordering else {})}
        pages = [client.get(URL, query)]
        while pages[-1].json()["next"] and len(pages) < 10:
            pages.append(client.get(pages[-1].json()["next"]))
        assert [n for page in pages for n in numbers(page)] == expected
        back = [pages[-1]]
        while back[-1].json()["previous"] and len(back) < 10:
            back.append(client.get(back[-1].json()["previous"]))
        assert [numbers(page) for page in reversed(back)] == [numbers(p) for p in pages]

    @pytest.mark.parametrize("position", ["2026-02-02T02:00:00+00:00", "x|1", "|1", "1|",
                                          "2026-02-02T02:00:00|1", "99999999999999999999"])
    def test_a_forged_position_is_400(self, world, as_persona, complaint_in, position):
        from rest_framework.pagination import Cursor
        complaint_in(State.RECEIVED)
        paginator = ComplaintPagination()
        paginator.base_url = f"http://testserver{URL}"
        link = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
        response = as_persona("coordinator").get(link)
        assert response.status_code == 400 and error_code(response) == "invalid_cursor"

    def test_huge_page_size_is_capped(self, world, as_persona, complaint_in):
        complaint_in(State.RECEIVED)
        response = as_persona("coordinator").get(URL, {"page_size": 10**9})
        assert response.status_code == 200


class TestDetail:
    def test_citizen_with_token_sees_it_without_the_officer(self, world, api, submit):
        submitted = submit()
        complaint_transition(complaint=submitted.complaint, action=Action.ASSIGN,
                             actor=world.actor(Role.COORDINATOR),
                             payload=valid_payload(Action.ASSIGN, world), now=SOON)
        response = api.get(f"{URL}{submitted.complaint.tracking_number}/",
                           HTTP_X_ACCESS_TOKEN=submitted.access_token)
        assert response.status_code == 200
        body = response.json()
        assert "assigned_to" not in body
        assert body["unit"] == {"code": "disdukcapil-ktp", "name": "Bidang KTP"}
        assert body["available_actions"] == ["withdraw"]

    @pytest.mark.parametrize("token", ["wrong", ""])
    def test_wrong_or_missing_token_reveals_nothing(self, world, api, submit, token):
        number = submit().complaint.tracking_number
        response = api.get(f"{URL}{number}/", HTTP_X_ACCESS_TOKEN=token)
        assert response.status_code == (404 if token else 401)
        assert number not in response.content.decode()

    def test_staff_outside_their_scope_get_404(self, world, as_persona, complaint_in):
        number = complaint_in(State.RECEIVED).tracking_number
        assert as_persona("outside_officer").get(f"{URL}{number}/").status_code == 404
        assert as_persona("ombudsman").get(f"{URL}{number}/").status_code == 200

    def test_staff_see_the_actions_they_can_take(self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        body = as_persona("officer").get(f"{URL}{number}/").json()
        assert body["available_actions"] == ["request_info", "respond"]

    def test_the_detail_is_the_list_item_and_the_actions(self, world, as_persona,
                                                          complaint_in,
                                                          django_assert_num_queries):
        from api.serializers import ComplaintDetailSerializer

        number = complaint_in(State.ASSIGNED).tracking_number
        client = as_persona("officer")
        client.get(URL)  # the token's first use records last_used_at
        (item,) = client.get(URL).json()["results"]
        # 1 the token with its user and their memberships, 2 the complaint in scope with its
        # agency and unit, then written as a page of one (api.listing): 3 on PostgreSQL, 3
        # and 4 (its clocks) elsewhere. (The actions of an assigned complaint need no clock.)
        with django_assert_num_queries(3 if connection.vendor == "postgresql" else 4):
            body = client.get(f"{URL}{number}/").json()
        assert list(body) == ComplaintDetailSerializer.Meta.fields
        assert {key: value for key, value in body.items() if key != "available_actions"} \
            == item


class TestTransitions:
    def url(self, number: str, action: str) -> str:
        return f"{URL}{number}/transitions/{action}/"

    def test_coordinator_assigns(self, world, as_persona, complaint_in):
        number = complaint_in(State.RECEIVED).tracking_number
        response = as_persona("coordinator").post(
            self.url(number, "assign"), {"unit": "disdukcapil-ktp", "assignee": "officer",
                                         "complexity": "ringan"}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["state"], body["complexity"]) == ("assigned", "ringan")
        assert body["available_actions"] == ["reassign"]

    def test_not_now_is_409_with_the_available_actions(self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        client = as_persona("coordinator")
        response = client.post(self.url(number, "assign"), {"unit": "disdukcapil-ktp"},
                               format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 409
        assert response.json()["error"] == {
            "code": "transition_not_allowed",
            "message": "“Assign” is not possible now: the complaint is “Assigned”.",
            "details": {"available_actions": ["reassign"]},
        }
        # The message follows the caller's language (Bahasa Indonesia by default).
        indonesian = client.post(self.url(number, "assign"), {"unit": "disdukcapil-ktp"},
                                 format="json").json()["error"]["message"]
        assert indonesian != response.json()["error"]["message"]
        assert indonesian.startswith("“")

    def test_ombudsman_writes_are_403_whatever_the_state(self, world, as_persona,
                                                         complaint_in):
        for state in (State.RECEIVED, State.CLOSED):
            number = complaint_in(state).tracking_number
            response = as_persona("ombudsman").post(self.url(number, "assign"), {},
                                                    format="json")
            assert response.status_code == 403 and error_code(response) == "not_permitted"

    def test_bad_payload_is_400(self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        response = as_persona("officer").post(self.url(number, "respond"), {"response": ""},
                                              format="json")
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"errors": {"response": "required"}}

    def test_bad_payload_message_follows_the_language_and_the_codes_do_not(
            self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        client = as_persona("supervisor")
        body = {"clock": "first_response", "amount": 0, "reason": "Menunggu data pusat."}

        default = client.post(self.url(number, "extend"), body, format="json")
        english = client.post(self.url(number, "extend"), body, format="json",
                              HTTP_ACCEPT_LANGUAGE="en")

        assert (default.status_code, english.status_code) == (400, 400)
        # Bahasa Indonesia unless the caller asks for English; the codes are the same in both.
        assert default.json()["error"] == {
            "code": "invalid_input",
            "message": "amount harus berupa bilangan bulat dari 1 sampai dengan 365.",
            "details": {"errors": {"amount": "whole number from 1 to 365"}},
        }
        assert english.json()["error"] == {
            "code": "invalid_input",
            "message": "amount must be a whole number from 1 to 365.",
            "details": {"errors": {"amount": "whole number from 1 to 365"}},
        }

    def test_body_must_be_an_object(self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        response = as_persona("officer").post(self.url(number, "respond"), ["x"],
                                              format="json")
        assert response.status_code == 400

    def test_unknown_action_is_404(self, world, as_persona, complaint_in):
        number = complaint_in(State.ASSIGNED).tracking_number
        response = as_persona("officer").post(self.url(number, "delete"), {}, format="json")
        assert response.status_code == 404 and error_code(response) == "not_found"

    def test_citizen_accepts_with_a_rating(self, world, api, submit):
        submitted = submit()
        for action, role in [(Action.ASSIGN, Role.COORDINATOR), (Action.RESPOND, Role.OFFICER)]:
            complaint_transition(complaint=submitted.complaint, action=action,
                                 actor=world.actor(role), now=SOON,
                                 payload=valid_payload(action, world))
        response = api.post(self.url(submitted.complaint.tracking_number, "accept"),
                            {"rating": 4, "comment": "Baik"}, format="json",
                            HTTP_X_ACCESS_TOKEN=submitted.access_token)
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["state"], body["closure_reason"], body["feedback"]) == (
            "closed", "resolved", {"rating": 4, "comment": "Baik"})

    def test_citizen_cannot_act_on_someone_elses_complaint(self, world, api, submit):
        mine, theirs = submit(), submit()
        response = api.post(self.url(theirs.complaint.tracking_number, "withdraw"), {},
                            format="json", HTTP_X_ACCESS_TOKEN=mine.access_token)
        assert response.status_code == 404


class TestAuditAndIdentity:
    def test_events_carry_the_hash_chain_and_verify(self, world, as_persona, complaint_in):
        complaint = complaint_in(State.RESPONDED)
        client = as_persona("ombudsman")
        events = client.get(f"{URL}{complaint.tracking_number}/events/").json()
        assert [e["action"] for e in events] == ["submit", "assign", "respond"]
        assert events[1]["prev_hash"] == events[0]["hash"]
        assert events[0]["occurred_at"] == "2026-02-02T02:00:00.000000Z"
        report = client.get(f"{URL}{complaint.tracking_number}/events/verify/").json()
        assert report == {"tracking_number": complaint.tracking_number, "ok": True,
                          "events": 3, "broken_seq": None, "reason": ""}

    def test_citizens_do_not_get_the_internal_audit_trail(self, world, api, submit):
        submitted = submit()
        response = api.get(f"{URL}{submitted.complaint.tracking_number}/events/",
                           HTTP_X_ACCESS_TOKEN=submitted.access_token)
        assert response.status_code == 401

    def test_coordinator_reads_the_identity_and_it_is_logged(self, world, as_persona,
                                                             complaint_in):
        complaint = complaint_in(State.ASSIGNED)
        response = as_persona("coordinator").get(f"{URL}{complaint.tracking_number}/reporter/")
        assert response.status_code == 200
        assert response.json()["name"] == "Siti Rahayu"
        assert complaint.events.latest("seq").action == "identity_viewed"

    def test_anonymous_identity_is_403_for_the_handling_unit(self, world, as_persona,
                                                             submit):
        complaint = submit(visibility="anonymous").complaint
        complaint_transition(complaint=complaint, action=Action.ASSIGN, now=SOON,
                             actor=world.actor(Role.COORDINATOR),
                             payload=valid_payload(Action.ASSIGN, world))
        for persona in ("coordinator", "officer", "supervisor"):
            response = as_persona(persona).get(f"{URL}{complaint.tracking_number}/reporter/")
            assert response.status_code == 403
            assert "Siti" not in response.content.decode()
        assert not complaint.events.filter(action="identity_viewed").exists()


class TestServicesAndSchema:
    def test_services_show_the_standard_in_force(self, world, api,
                                                 django_assert_max_num_queries):
        with django_assert_max_num_queries(5):
            response = api.get("/api/v1/services/")
        ktp = next(s for s in response.json() if s["code"] == "ktp-el")
        assert ktp["agency"] == {"code": "disdukcapil", "name": "Dinas Kependudukan"}
        assert ktp["standard"]["version"] == 1
        clocks = {c["name"]: (c["duration"], c["unit"]) for c in ktp["standard"]["clocks"]}
        assert clocks["verify"] == (3, "working_days")
        assert clocks["statutory_answer"] == (14, "calendar_days")
        assert [t["code"] for t in ktp["standard"]["tiers"]][:2] == ["ringan", "normatif"]

    @pytest.mark.parametrize("services", [2, 12])
    def test_the_standard_fields_are_built_once_for_the_whole_list(self, world, api,
                                                                    services):
        """A serializer made per service built its fields per service: 0.6 s for 300."""
        for i in range(services - 2):  # the world has two
            service = Service.objects.create(agency=world.agency, code=f"s{i}", name=f"S {i}")
            create_default_standard(service, effective_from=dt.date(2020, 1, 1))
        built = []
        original = serializers.ClockPolicySerializer.get_fields
        with mock.patch.object(serializers.ClockPolicySerializer, "get_fields", autospec=True,
                               side_effect=lambda s: built.append(s) or original(s)):
            response = api.get("/api/v1/services/")
        assert len(response.json()) == services
        assert all(s["standard"]["clocks"] for s in response.json())
        assert len(built) == 1

    def test_only_services_that_take_complaints_are_listed(self, world, api):
        Service.objects.filter(pk=world.service.pk).update(is_active=False)
        assert [s["code"] for s in api.get("/api/v1/services/").json()] == ["parkir"]
        Service.objects.filter(pk=world.service.pk).update(is_active=True)
        Agency.objects.filter(pk=world.other_agency.pk).update(is_active=False)
        assert [s["code"] for s in api.get("/api/v1/services/").json()] == ["ktp-el"]

    def test_the_list_is_kept_a_minute_and_a_new_version_shows_at_once(
            self, world, api, django_assert_num_queries):
        """Kept as the citizen's form keeps its list (selectors.CATALOGUE_SECONDS)."""
        def ktp() -> dict:
            return next(s for s in api.get("/api/v1/services/").json() if s["code"] == "ktp-el")

        with time_machine.travel(MONDAY_9_WIB, tick=False) as traveller:
            first = api.get("/api/v1/services/").json()
            Service.objects.filter(pk=world.service.pk).update(name="KTP-el")
            with django_assert_num_queries(2):  # the services and their versions, no more
                assert api.get("/api/v1/services/").json() == first
            traveller.shift(CATALOGUE_SECONDS - 1)
            assert ktp()["name"] == "KTP elektronik"
            traveller.shift(1)
            assert ktp()["name"] == "KTP-el"
            create_default_standard(world.service, effective_from=MONDAY_9_WIB.date(),
                                    version=2)
            assert ktp()["standard"]["version"] == 2

    def test_schema_is_valid_and_documents_every_endpoint(self, db, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn",
                     "--file", str(tmp_path / "schema.yml"))
        text = (tmp_path / "schema.yml").read_text()
        for path in ("/api/v1/complaints/", "/api/v1/complaints/{tracking_number}/",
                     "/api/v1/complaints/{tracking_number}/transitions/{action}/",
                     "/api/v1/complaints/{tracking_number}/events/",
                     "/api/v1/complaints/{tracking_number}/events/verify/",
                     "/api/v1/services/"):
            assert f"  {path}:" in text

    def test_api_docs_are_served_without_any_external_cdn(self, db, client):
        for page in ("/api/docs/", "/api/redoc/"):
            html = client.get(page).content.decode()
            assert "/static/drf_spectacular_sidecar/" in html
            assert "cdn." not in html and "unpkg" not in html


def test_unknown_api_paths_answer_in_the_error_shape(db, api):
    response = api.get("/api/v1/nothing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.",
                                         "details": {}}}
