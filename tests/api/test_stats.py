"""GET /api/v1/stats/: public, read-only SLA statistics; the numbers themselves are checked in
tests/workflow/test_stats.py, this checks the HTTP surface around them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
import time_machine
from drf_spectacular.generators import SchemaGenerator

from complaints.defaults import create_default_standard
from complaints.models import Agency, Service
from tests.conftest import MONDAY_9_WIB, SLOT_QUERIES, valid_payload
from workflow.services import complaint_transition
from workflow.states import Action, Role
from workflow.stats import PUBLIC_COMPUTATIONS

URL = "/api/v1/stats/"
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
NOW = MONDAY_9_WIB + 30 * D  # Wed 4 Mar 2026 09:00 WIB = 02:00 UTC
CONFIDENTIAL = {"title": "Pungli di loket tiga", "description": "Petugas X minta uang rokok.",
                "reporter": {"name": "Budi Rahasia", "email": "budi@example.id"}}


def story(world, submit, steps=(), *, received=MONDAY_9_WIB, **fields):
    complaint = submit(now=received, **fields).complaint
    for action, role, after in steps:
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=world.actor(role, complaint),
            payload=valid_payload(action, world), now=received + after)
    return complaint


def get(client, headers=None, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get(URL, params, headers=headers)


@pytest.fixture
def two_complaints(world, submit):
    # Resolved: every clock met; first response after 25 h, closed after 49 h.
    resolved = story(world, submit, [(Action.ASSIGN, Role.COORDINATOR, H),
                                     (Action.RESPOND, Role.OFFICER, 25 * H),
                                     (Action.ACCEPT, Role.CITIZEN, 49 * H)])
    # Confidential and untouched for 30 days: verify (due Thu 5 Feb) and statutory_answer
    # (due Mon 16 Feb) breached, resolution (due Fri 3 Apr) still open.
    confidential = story(world, submit, visibility="confidential", **CONFIDENTIAL)
    return resolved, confidential


def empty_counts(*names):
    return dict.fromkeys(names, 0)


STATES = ("received", "assigned", "responded", "closed")
REASONS = ("resolved", "no_reply", "rejected", "referred", "withdrawn")
FIGURES = {
    "complaints": 2,
    "by_state": {**empty_counts(*STATES), "received": 1, "closed": 1},
    "by_closure_reason": {**empty_counts(*REASONS), "resolved": 1},
    "clocks": {
        "verify": {"met": 1, "breached": 1, "open": 0, "on_time_percent": 50.0},
        "first_response": {"met": 1, "breached": 0, "open": 0, "on_time_percent": 100.0},
        "statutory_answer": {"met": 1, "breached": 1, "open": 0, "on_time_percent": 50.0},
        "resolution": {"met": 1, "breached": 0, "open": 1, "on_time_percent": 100.0},
    },
    "time_to_first_response": {"count": 1, "median_hours": 25.0, "p90_hours": 25.0},
    "time_to_closure": {"count": 1, "median_hours": 49.0, "p90_hours": 49.0},
    "reopen": {"responded": 1, "reopened": 0, "rate_percent": 0.0},
}


def test_anyone_gets_the_statistics_per_agency_and_service(client, world, two_complaints):
    response = get(client)
    assert response.status_code == 200
    assert response.json() == {
        "generated_at": "2026-03-04T02:00:00Z",
        "period": {"received_after": None, "received_before": None},
        "filters": {"agency": None, "service": None},
        "totals": FIGURES,
        "agencies": [{
            **FIGURES, "code": "disdukcapil", "name": "Dinas Kependudukan", "parent_code": None,
            "services": [{**FIGURES, "code": "ktp-el", "name": "KTP elektronik"}],
        }],
    }


def test_confidential_complaints_are_counted_but_never_described(client, world,
                                                                  two_complaints):
    _, confidential = two_complaints
    body = get(client).content.decode()
    assert '"complaints":2' in body.replace(" ", "")
    for secret in (confidential.tracking_number, CONFIDENTIAL["title"],
                   CONFIDENTIAL["description"], CONFIDENTIAL["reporter"]["name"],
                   CONFIDENTIAL["reporter"]["email"], "Petugas", "Pungli"):
        assert secret not in body


def test_a_bad_token_or_a_session_does_not_matter(client, world, two_complaints):
    response = get(client, headers={"Authorization": "Token nonsense.token"})
    assert response.status_code == 200
    client.force_login(world.officer)
    assert get(client).json()["totals"]["complaints"] == 2


def test_the_response_may_be_cached_publicly_for_a_minute(client, world):
    response = get(client)
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}


def test_filters_are_echoed_and_applied(client, world, two_complaints, submit):
    story(world, submit, service=world.other_service, received=MONDAY_9_WIB + D)
    body = get(client, agency="dishub", received_after="2026-02-03",
               received_before="2026-02-03").json()
    assert body["filters"] == {"agency": "dishub", "service": None}
    assert body["period"] == {"received_after": "2026-02-03", "received_before": "2026-02-03"}
    assert body["totals"]["complaints"] == 1
    assert [a["code"] for a in body["agencies"]] == ["dishub"]
    assert get(client, service="ktp-el").json()["totals"]["complaints"] == 2
    assert get(client, received_before="2026-02-02").json()["totals"]["complaints"] == 2


def test_empty_parameters_are_ignored(client, world, two_complaints):
    body = get(client, agency="", service="", received_after="", received_before="").json()
    assert (body["filters"], body["totals"]["complaints"]) == (
        {"agency": None, "service": None}, 2)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"received_after": "2026-02-30"},
         {"received_after": ["Date has wrong format. Use one of these formats instead: "
                             "YYYY-MM-DD."]}),
        ({"received_before": "yesterday"},
         {"received_before": ["Date has wrong format. Use one of these formats instead: "
                              "YYYY-MM-DD."]}),
        ({"received_after": "2026-02-03T00:00:00+07:00"},
         {"received_after": ["Date has wrong format. Use one of these formats instead: "
                             "YYYY-MM-DD."]}),
        ({"agency": "no-such-agency"},
         {"agency": ["Object with code=no-such-agency does not exist."]}),
        ({"service": "no-such-service"},
         {"service": ["Object with code=no-such-service does not exist."]}),
        ({"received_after": "2026-02-03", "received_before": "2026-02-02"},
         {"received_before": ["Must not be before received_after."]}),
    ],
)
def test_bad_filters_are_400_in_the_one_error_shape(client, world, params, errors):
    response = get(client, headers={"Accept-Language": "en"}, **params)
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid_input", "message": "The request has invalid fields.",
        "details": {"errors": errors}}}


def test_bad_filters_are_explained_in_the_language_asked_for(client, world):
    body = get(client, headers={"Accept-Language": "id"}, received_after="kemarin").json()
    assert body["error"]["details"]["errors"] == {"received_after": [
        "Format tanggal salah. Gunakan salah satu format berikut: YYYY-MM-DD."]}


def test_it_is_read_only(client, world):
    response = client.post(URL, {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def grow(world, submit, agencies: int, services_each: int, complaints_each: int) -> None:
    """More agencies, services and complaints, in every state, through the workflow."""
    for a in range(agencies):
        agency = Agency.objects.create(code=f"agency-{a}", name=f"Agency {a}")
        for s in range(services_each):
            service = Service.objects.create(agency=agency, code=f"service-{a}-{s}",
                                             name=f"Service {a}.{s}")
            create_default_standard(service, effective_from=dt.date(2020, 1, 1))
            for c in range(complaints_each):
                steps = [(Action.WITHDRAW, Role.CITIZEN, H)] if c % 2 else []
                story(world, submit, steps, service=service)
    for steps in ([(Action.ASSIGN, Role.COORDINATOR, H)],
                  [(Action.ASSIGN, Role.COORDINATOR, H), (Action.RESPOND, Role.OFFICER, 2 * H),
                   (Action.DISPUTE, Role.CITIZEN, 3 * H), (Action.RESPOND, Role.OFFICER, 4 * H)],
                  [(Action.ASSIGN, Role.COORDINATOR, H), (Action.REQUEST_INFO, Role.OFFICER, H)]):
        story(world, submit, steps)


# Without filters: complaints by group, the names of their agencies and services, clocks by
# group, durations. With every filter, the agency and the service are looked up and the
# agency time zones are read first.
@pytest.mark.parametrize(
    ("params", "queries"),
    [({}, 5),
     ({"agency": "disdukcapil", "service": "ktp-el", "received_after": "2026-02-01",
       "received_before": "2026-02-28"}, 8)],
)
def test_queries_do_not_grow_with_agencies_services_or_complaints(
    client, world, submit, two_complaints, django_assert_max_num_queries, params, queries
):
    queries += SLOT_QUERIES
    with django_assert_max_num_queries(queries) as small:
        assert get(client, **params).status_code == 200
    grow(world, submit, agencies=3, services_each=2, complaints_each=2)
    cache.clear()  # past the minute the answer is kept for
    with django_assert_max_num_queries(queries) as large:
        body = get(client, **params).json()
    assert len(large.captured_queries) == len(small.captured_queries)
    if not params:
        assert (len(body["agencies"]), body["totals"]["complaints"]) == (4, 2 + 12 + 3)


def test_the_schema_documents_parameters_and_response(world):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == [
        "agency", "received_after", "received_before", "service"]
    assert set(operation["responses"]) == {"200", "400", "503"}
    figures = schema["components"]["schemas"]["StatsFigures"]["properties"]
    assert set(figures["clocks"]["allOf"][0]["$ref"].split("/")[-1:]) == {"StatsClocks"}
    assert set(schema["components"]["schemas"]["StatsClocks"]["properties"]) == {
        "verify", "first_response", "statutory_answer", "resolution"}


def test_a_repeated_question_within_the_minute_is_answered_from_the_cache(
    client, world, submit, two_complaints, django_assert_num_queries
):
    first = get(client).json()
    with django_assert_num_queries(0):
        again = get(client).json()
    assert again == first
    cache.clear()
    submit()
    assert get(client).json()["totals"]["complaints"] == first["totals"]["complaints"] + 1


def test_an_operator_may_keep_the_figures_longer(client, settings, world, submit,
                                                  two_complaints):
    settings.STATISTICS_CACHE_SECONDS = 300
    first = get(client)
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    submit()
    with time_machine.travel(NOW + dt.timedelta(seconds=299), tick=False):
        assert client.get(URL).json() == first.json()
    with time_machine.travel(NOW + dt.timedelta(seconds=301), tick=False):
        assert client.get(URL).json()["totals"]["complaints"] == 3


def test_a_new_question_while_another_is_computed_is_asked_to_come_back(client, world,
                                                                         two_complaints):
    """One public question is computed at a time per process (workflow.stats), so that many
    different questions at once cannot take every thread of an app server."""
    everything = get(client).json()
    assert PUBLIC_COMPUTATIONS.process.acquire(blocking=False)  # another is being computed
    try:
        busy = get(client, agency="dishub")
        kept = get(client)
    finally:
        PUBLIC_COMPUTATIONS.process.release()
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    assert "Cache-Control" not in busy
    assert busy.json()["error"]["code"] == "statistics_busy"
    assert busy.json()["error"]["details"] == {"retry_after_seconds": 5}
    assert kept.status_code == 200 and kept.json() == everything
    assert get(client, agency="dishub").status_code == 200
