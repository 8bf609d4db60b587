"""The public statistics page (/statistik/) and the staff dashboard (/staff/dasbor/).

The numbers themselves are checked in tests/workflow/test_stats.py and test_stats_series.py;
these check that the pages show exactly those numbers, pass them safely to the charts, keep
confidential complaints undescribed, and refuse bad filters without failing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.defaults import create_default_standard
from complaints.models import Agency, Membership, Service
from complaints.selectors import scope_filter
from complaints.templatetags.aduan import local
from complaints.views.statistics import figure_rows
from config.warming import warm_public_statistics
from tests.conftest import MONDAY_9_WIB, SLOT_QUERIES, valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_transition
from workflow.states import Action, Role
from workflow.stats import (
    PUBLIC_COMPUTATIONS,
    backlog_by_age,
    complaint_statistics,
    weekly_volume,
)

User = get_user_model()

PUBLIC, DASHBOARD = "/statistik/", "/staff/dasbor/"
S, H, D = dt.timedelta(seconds=1), dt.timedelta(hours=1), dt.timedelta(days=1)
T0 = MONDAY_9_WIB  # Mon 2 Feb 2026 09:00 WIB
NOW = T0 + 30 * D  # Wed 4 Mar 2026 09:00 WIB
CONFIDENTIAL = {"title": "Pungli di loket tiga", "description": "Petugas X minta uang rokok.",
                "reporter": {"name": "Budi Rahasia", "email": "budi@example.id"}}
EVIL = "<script>alert('x')</script>"
QUEUE = "/staff/?state=received&amp;state=assigned&amp;state=responded"


def story(world, submit, steps=(), *, received=T0, **fields):
    complaint = submit(now=received, **fields).complaint
    for action, role, after in steps:
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=world.actor(role, complaint),
            payload=valid_payload(action, world), now=received + after)
    return complaint


@pytest.fixture
def complaints(world, submit) -> dict[str, Any]:
    return {
        # Untouched for 30 days: verify and statutory_answer breached.
        "untouched": story(world, submit),
        # Resolved: every clock met; first response 25 h, closure 49 h.
        "resolved": story(world, submit, [(Action.ASSIGN, Role.COORDINATOR, H),
                                          (Action.RESPOND, Role.OFFICER, 25 * H),
                                          (Action.ACCEPT, Role.CITIZEN, 49 * H)]),
        # Rejected after an hour: closed.
        "rejected": story(world, submit, [(Action.REJECT, Role.COORDINATOR, H)]),
        # Received Fri 27 Feb 09:00 WIB: verify due today, Wed 4 Mar 23:59:59 WIB (at risk).
        "due_today": story(world, submit, received=NOW - 5 * D),
        # Received an hour ago, confidential: every clock running.
        "confidential": story(world, submit, received=NOW - H, visibility="confidential",
                              **CONFIDENTIAL),
        # Dinas Perhubungan, untouched: breached, and outside the coordinator's agency.
        "dishub": story(world, submit, service=world.other_service),
    }


def get(client, url: str, params: dict[str, str] | None = None, **headers: str):
    headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")  # the texts asserted are the English ones
    with time_machine.travel(NOW, tick=False):
        return client.get(url, params or {}, **headers)


def chart_json(response) -> dict[str, Any]:
    match = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, "no json_script"
    return json.loads(match.group(1))


def series(data: dict[str, Any], chart_id: str) -> dict[str, list]:
    chart = next(c for c in data["charts"] if c["id"] == chart_id)
    return {s["key"]: s["values"] for s in chart["series"]}


# --- the public page --------------------------------------------------------------------

def test_public_page_shows_the_numbers_of_complaint_statistics(client, complaints):
    response = get(client, PUBLIC)
    assert response.status_code == 200
    statistics = response.context["statistics"]
    assert statistics == complaint_statistics(now=NOW)  # the same code as the API
    assert statistics.totals.complaints == 6
    # One row per agency (by code) and the totals, with their counts by state.
    assert [(row["label"], row["figures"].complaints, row["states"])
            for row in response.context["rows"]] == [
        ("Dinas Kependudukan", 5, [3, 0, 0, 2]),
        ("Dinas Perhubungan", 1, [1, 0, 0, 0]),
        ("All selected complaints", 6, [4, 0, 0, 2]),
    ]
    html = response.content.decode()
    assert '<td class="num">5</td>' in html and '<td class="num">6</td>' in html


def test_the_charts_data_is_json_with_the_same_numbers(client, complaints):
    response = get(client, PUBLIC, HTTP_ACCEPT_LANGUAGE="en")
    data = chart_json(response)
    assert [c["id"] for c in data["charts"]] == ["weekly", "on-time", "backlog",
                                                 "first-response"]
    weeks = weekly_volume(now=NOW, weeks=12)
    assert series(data, "weekly") == {
        state: [w.by_state[state] for w in weeks]
        for state in ("received", "assigned", "responded", "closed")}
    assert series(data, "backlog") == {
        state: [b.by_state[state] for b in backlog_by_age(now=NOW)]
        for state in ("received", "assigned", "responded")}
    statistics = complaint_statistics(now=NOW)
    on_time = series(data, "on-time")
    ktp = statistics.agencies[0].services[0]
    assert on_time["statutory_answer"] == [ktp.clocks["statutory_answer"].on_time_percent, 0.0]
    assert series(data, "first-response")["median"] == [25.0, None]
    # Labels come from the view, in the page's language.
    weekly = data["charts"][0]
    assert weekly["title"] == "Complaints received per week, by current state"
    assert [s["label"] for s in weekly["series"]] == ["Received", "Assigned", "Responded",
                                                      "Closed"]
    assert weekly["labels"][-1] == "2 Mar 2026"


def test_every_chart_has_a_heading_and_a_data_table(client, complaints):
    html = get(client, PUBLIC).content.decode()
    for chart_id in ("weekly", "on-time", "backlog", "first-response"):
        assert f'<h2 id="chart-{chart_id}-title">' in html
        assert f'<canvas id="chart-{chart_id}" role="img"' in html
        table = html.split(f'data-chart-table="{chart_id}"', 1)[1].split("</details>", 1)[0]
        assert '<table class="stats">' in table and '<th scope="row">' in table


def test_chart_js_is_served_by_the_app_never_a_cdn(client, complaints):
    html = get(client, PUBLIC).content.decode()
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert sources == ["/static/vendor/chartjs/chart.umd.min.js", "/static/js/charts.js"]
    assert not re.search(r"""src=["']?(https?:)?//""", html)
    # Both are this app's static files (collected and served by WhiteNoise in production).
    for source in sources:
        assert finders.find(source.removeprefix("/static/")) is not None, source


@pytest.mark.parametrize("params, field, message", [
    ({"agency": "no-such-agency"}, "agency", "Select a valid choice"),
    ({"service": EVIL}, "service", "Select a valid choice"),
    ({"received_after": "2026-02-30"}, "received_after", "Enter a valid date"),
    ({"received_after": "2026-02-02T09:00"}, "received_after", "Enter a valid date"),
    ({"received_after": "2026-03-02", "received_before": "2026-02-02"}, "received_before",
     "must not be before"),
])
def test_a_bad_filter_shows_a_form_error_and_no_numbers(client, complaints, params, field,
                                                         message):
    response = get(client, PUBLIC, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert "statistics" not in response.context and "stats-data" not in html
    assert EVIL not in html


def test_the_filters_select_an_agency_and_show_its_services(client, complaints, world):
    params = {"agency": "dishub", "received_after": "2026-02-01", "received_before": ""}
    response = get(client, PUBLIC, params)
    assert response.status_code == 200
    assert response.context["statistics"] == complaint_statistics(
        now=NOW, agency=world.other_agency, received_after=dt.date(2026, 2, 1))
    assert [row["label"] for row in response.context["rows"]] == [
        "Parkir — Dinas Perhubungan", "All selected complaints"]
    assert 'href="/api/v1/stats/?agency=dishub&amp;received_after=2026-02-01"' in (
        response.content.decode())


def test_confidential_complaints_are_counted_but_never_described(client, complaints, world):
    response = get(client, PUBLIC)
    assert response.context["statistics"].totals.complaints == 6
    client.force_login(world.ombudsman)
    dashboard = get(client, DASHBOARD)
    for html in (response.content.decode(), dashboard.content.decode()):
        for text in (CONFIDENTIAL["title"], CONFIDENTIAL["description"], "Budi Rahasia",
                     complaints["confidential"].tracking_number):
            assert text not in html


def test_names_are_escaped_in_the_tables_and_in_the_chart_data(client, world, submit):
    agency = Agency.objects.create(code="evil", name=f"Dinas {EVIL}", time_zone="Asia/Jakarta")
    service = Service.objects.create(agency=agency, code="evil-service", name=f"Layanan {EVIL}")
    create_default_standard(service, effective_from=dt.date(2020, 1, 1))
    story(world, submit, service=service)

    html = get(client, PUBLIC, {"agency": "evil"}).content.decode()
    assert EVIL not in html
    assert "Layanan &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # the tables
    raw_json = html.split('<script id="stats-data" type="application/json">', 1)[1]
    raw_json = raw_json.split("</script>", 1)[0]
    assert "<" not in raw_json and "\\u003Cscript\\u003E" in raw_json
    labels = next(c for c in json.loads(raw_json)["charts"] if c["id"] == "on-time")["labels"]
    assert labels == [f"Layanan {EVIL} — Dinas {EVIL}"]  # data, drawn on a canvas


@pytest.mark.parametrize("how_many", [3, 20])
def test_public_page_queries_do_not_grow_with_complaints(client, world, submit,
                                                         django_assert_num_queries,
                                                         how_many):
    for i in range(how_many):
        story(world, submit, received=T0 + i * H)
    # Statistics 5, weekly volume 2, backlog 1, the form's agency and service 2 (choices);
    # on PostgreSQL the computation's slot (as in tests/api/test_stats.py).
    with django_assert_num_queries(10 + SLOT_QUERIES):
        assert get(client, PUBLIC).status_code == 200


# --- the staff dashboard ----------------------------------------------------------------

def test_the_dashboard_requires_login(client):
    response = get(client, DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == "/staff/masuk/?next=/staff/dasbor/"


def test_the_dashboard_shows_headline_numbers_with_links_to_the_queue(client, world,
                                                                      complaints):
    client.force_login(world.coordinator)
    response = get(client, DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    # Open: untouched, due_today, confidential (dishub is another agency's; two are closed).
    # At risk and due today: due_today's verify. Breached: untouched's verify and statutory.
    assert [(h.key, h.count) for h in response.context["headlines"]] == [
        ("open", 3), ("at_risk", 1), ("breached", 1), ("due_today", 1)]
    html = response.content.decode()
    for key, count, query in [("open", 3, ""), ("at_risk", 1, "&amp;sla_status=at_risk"),
                              ("breached", 1, "&amp;sla_status=breached")]:
        assert re.search(rf'headline-{key}">\s*<a href="{re.escape(QUEUE + query)}">\s*'
                         rf'<span class="headline-count">{count}</span>', html), key


def test_the_dashboard_counts_only_the_complaints_in_scope(client, world, complaints):
    client.force_login(world.coordinator)
    response = get(client, DASHBOARD)
    statistics = response.context["statistics"]
    assert statistics.totals == complaint_statistics(now=NOW, agency=world.agency).totals
    scope = scope_filter(Actor.staff(world.coordinator), by_key=True)
    data = chart_json(response)
    assert sum(sum(v) for v in series(data, "backlog").values()) == 3
    assert series(data, "backlog") == {
        state: [b.by_state[state] for b in backlog_by_age(now=NOW, scope=scope)]
        for state in ("received", "assigned", "responded")}
    assert "Dinas Perhubungan" not in response.content.decode()


def test_the_ombudsman_dashboard_covers_every_agency(client, world, complaints):
    client.force_login(world.ombudsman)
    response = get(client, DASHBOARD)
    assert response.context["statistics"].totals == complaint_statistics(now=NOW).totals
    assert [(h.key, h.count) for h in response.context["headlines"]][:3] == [
        ("open", 4), ("at_risk", 1), ("breached", 2)]


def test_a_user_without_a_role_sees_an_empty_dashboard(client, world, complaints):
    nobody = world.coordinator.__class__.objects.create_user(username="nobody")
    client.force_login(nobody)
    response = get(client, DASHBOARD)
    assert response.status_code == 200
    assert [h.count for h in response.context["headlines"]] == [0, 0, 0, 0]
    assert response.context["statistics"].totals.complaints == 0


@pytest.mark.parametrize("how_many", [3, 20])
def test_dashboard_queries_do_not_grow_with_complaints(client, world, submit,
                                                       django_assert_num_queries, how_many):
    for i in range(how_many):
        story(world, submit, received=T0 + i * H)
    client.force_login(world.coordinator)
    # Session, user with memberships, whether anything is assigned to them outside their
    # grants, the agencies under their grants; statistics 5, weekly volume 2, backlog 1,
    # headlines 2.
    with django_assert_num_queries(14):
        assert get(client, DASHBOARD).status_code == 200


def test_the_dashboard_scopes_its_counts_by_key_not_by_a_subquery(client, world, submit):
    """Each of the dashboard's counts names the coordinator's agencies by key on the
    complaint itself. As `id IN (SELECT … of the scope)`, PostgreSQL read the whole table
    for each count at a million complaints (docs/performance.md finding 15)."""
    story(world, submit, received=T0)
    client.force_login(world.coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert get(client, DASHBOARD).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) >= 5
    for sql in counts:
        assert not re.search(r'"id" IN \(SELECT', sql), sql
        keys = re.search(r'"complaints_complaint"\."agency_id" IN \(([\d, ]+)\)', sql)
        assert keys and set(keys[1].split(", ")) == {str(world.agency.pk), str(world.unit.pk)}


def test_the_dashboard_is_computed_at_most_once_a_minute_per_scope(client, world, submit,
                                                                   django_assert_num_queries):
    """At a million complaints its figures take seconds (finding 15): they are kept a
    minute, per person and grants, and the page says when they were computed."""
    story(world, submit, received=T0)
    client.force_login(world.coordinator)
    first = get(client, DASHBOARD)
    assert first.context["statistics"].totals.complaints == 1
    moment = local(first.context["statistics"].generated_at, "Asia/Jakarta")
    assert f"counted as of {moment}, when deadlines" in first.content.decode()
    story(world, submit, received=T0 + H)
    # The session, the user with their grants, whether anything is assigned to them outside
    # their grants.
    with django_assert_num_queries(3):
        cached = get(client, DASHBOARD)
    assert cached.context["statistics"].totals.complaints == 1
    with time_machine.travel(NOW + 61 * S, tick=False):
        later = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    assert later.context["statistics"].totals.complaints == 2


def test_every_ombudsman_shares_one_dashboard_of_everything(client, world, submit,
                                                            django_assert_num_queries):
    """Their scope is every complaint whoever they are: a second ombudsman within the minute
    reads the figures the first computed (7 s at a million, finding 15), not their own."""
    story(world, submit, received=T0)
    client.force_login(world.ombudsman)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 1
    story(world, submit, received=T0 + H)
    colleague = User.objects.create_user("ombudsman2", password="x")
    Membership.objects.create(user=colleague, role=Role.OMBUDSMAN)
    client.force_login(colleague)
    with django_assert_num_queries(2):  # the session, the user with their grants
        shared = get(client, DASHBOARD)
    assert shared.context["statistics"].totals.complaints == 1
    client.force_login(world.coordinator)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 2


def test_the_officers_of_a_unit_share_one_dashboard(client, world, submit,
                                                   django_assert_num_queries):
    """Their grants name the same complaints, and nothing is assigned to them elsewhere: a
    colleague within the minute reads the figures the first computed (finding 30)."""
    story(world, submit, [(Action.ASSIGN, Role.COORDINATOR, H)], received=T0)
    client.force_login(world.officer)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 1
    story(world, submit, [(Action.ASSIGN, Role.COORDINATOR, H)], received=T0 + H)
    client.force_login(world.second_officer)
    with django_assert_num_queries(3):  # the session, the user, what is assigned elsewhere
        shared = get(client, DASHBOARD)
    assert shared.context["statistics"].totals.complaints == 1


def test_an_officer_assigned_outside_their_grants_has_a_dashboard_of_their_own(client, world,
                                                                               submit):
    """An officer moved to another unit keeps the complaints assigned to them in the first:
    those are theirs alone to count, so the new unit's shared figures do not stand in for
    theirs."""
    story(world, submit, [(Action.ASSIGN, Role.COORDINATOR, H)], received=T0)
    Membership.objects.filter(user=world.officer).update(agency=world.other_agency)
    client.force_login(world.outside_officer)  # the other unit's figures: none of its own
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 0
    client.force_login(world.officer)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 1
    client.force_login(world.second_officer)  # the first unit still counts it
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 1


def test_a_changed_grant_or_another_person_is_a_new_dashboard(client, world, submit):
    story(world, submit, received=T0)
    client.force_login(world.coordinator)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 1
    story(world, submit, received=T0, service=world.other_service)
    Membership.objects.create(user=world.coordinator, role=Role.COORDINATOR,
                              agency=world.other_agency)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 2
    client.force_login(world.supervisor)
    assert get(client, DASHBOARD).context["statistics"].totals.complaints == 0


def test_a_new_question_while_another_is_computed_is_asked_to_come_back(client, world,
                                                                         complaints):
    """As the API (tests/api/test_stats.py): one public question computed at a time per
    process; a question already answered in the period is still answered."""
    assert get(client, PUBLIC).status_code == 200
    assert PUBLIC_COMPUTATIONS.process.acquire(blocking=False)
    try:
        busy = get(client, PUBLIC, {"agency": "dishub"})
        kept = get(client, PUBLIC)
    finally:
        PUBLIC_COMPUTATIONS.process.release()
    assert busy.status_code == 503 and busy["Retry-After"] == "5"
    page = busy.content.decode()
    assert ("The statistics of other questions are being computed now. "
            "Ask again in 5 seconds.") in page
    assert 'id="filters-title"' in page and "stats-data" not in page
    assert kept.status_code == 200 and kept.context["statistics"].totals.complaints == 6
    assert get(client, PUBLIC, {"agency": "dishub"}).status_code == 200


# --- kept computed ahead by the SLA worker (config.warming) -----------------------------

@pytest.fixture
def worker_pass(monkeypatch):
    """One pass of `manage.py sla_worker` at a moment, in this test's transaction: the pass
    begins by closing connections past their age, which would close the test's."""
    monkeypatch.setattr("workflow.management.commands.sla_worker.close_old_connections",
                        lambda: None)

    def run(at: dt.datetime, interval: float = 30) -> None:
        with time_machine.travel(at, tick=False):
            call_command("sla_worker", passes=1, interval=interval, stdout=io.StringIO())

    return run


def asked_while_no_computation_may_run(client, at: dt.datetime = NOW):
    """The public page and the API without filters, while this process may compute no public
    question: each is answered only if its figures are kept (otherwise 503)."""
    assert PUBLIC_COMPUTATIONS.process.acquire(blocking=False)
    try:
        with time_machine.travel(at, tick=False):
            return (client.get(PUBLIC, HTTP_ACCEPT_LANGUAGE="en"),
                    client.get("/api/v1/stats/"))
    finally:
        PUBLIC_COMPUTATIONS.process.release()


def test_the_worker_computes_the_public_figures_before_anyone_asks(client, complaints,
                                                                   settings, worker_pass):
    settings.STATISTICS_WARM = True
    worker_pass(NOW)
    page, api = asked_while_no_computation_may_run(client)
    assert page.status_code == 200 and api.status_code == 200
    expected = complaint_statistics(now=NOW)
    assert page.context["statistics"].totals == expected.totals
    assert api.json()["totals"]["complaints"] == expected.totals.complaints == 6


def test_without_warming_the_first_visitor_computes_them(client, complaints, settings,
                                                        worker_pass):
    settings.STATISTICS_WARM = False
    worker_pass(NOW)
    page, api = asked_while_no_computation_may_run(client)
    assert page.status_code == 503 and api.status_code == 503
    assert api.json()["error"]["code"] == "statistics_busy"


def test_the_worker_computes_them_again_before_they_go_stale(client, world, submit,
                                                             complaints, settings,
                                                             worker_pass):
    settings.STATISTICS_WARM = True
    worker_pass(NOW)
    story(world, submit, received=NOW)
    worker_pass(NOW + 20 * S)  # fresh for 40 s more, past the next pass: left as they are
    worker_pass(NOW + 35 * S)  # stale before the next pass: computed again
    # Kept from the first pass the page would be 70 s old, and answered stale (6).
    page, api = asked_while_no_computation_may_run(client, NOW + 70 * S)
    assert page.context["statistics"].totals.complaints == 7
    assert api.json()["totals"]["complaints"] == 7
    assert page.context["statistics"].generated_at == NOW + 35 * S


def test_warm_statistics_computes_only_what_is_missing_or_stale(complaints):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("warm_statistics", stdout=out)
        call_command("warm_statistics", stdout=out)
        call_command("warm_statistics", ahead=61, stdout=out)
    first, second, ahead = out.getvalue().splitlines()
    assert first.startswith("warm_statistics: computed statistics-page:") and "stats:" in first
    assert second == "warm_statistics: nothing missing or going stale"
    assert ahead == first


def test_a_pass_counts_everything_once_for_the_page_and_the_api(client, complaints,
                                                                 monkeypatch):
    counted = []

    def counting(**arguments):
        counted.append(arguments)
        return complaint_statistics(**arguments)

    for module in ("config.warming", "complaints.views.statistics", "api.stats.views"):
        monkeypatch.setattr(f"{module}.complaint_statistics", counting)
    with time_machine.travel(NOW, tick=False):
        computed = warm_public_statistics()
    assert len(computed) == 2 and counted == [{"now": NOW}]
    page, api = asked_while_no_computation_may_run(client)
    assert page.context["statistics"].totals.complaints == 6
    assert api.json()["totals"]["complaints"] == 6
    # Either due alone, both are computed again from one count, and stay in step.
    cache.delete(computed[1] + ":kept")
    with time_machine.travel(NOW + 5 * S, tick=False):
        assert warm_public_statistics() == computed
    assert counted == [{"now": NOW}, {"now": NOW + 5 * S}]
    page, api = asked_while_no_computation_may_run(client, NOW + 5 * S)
    assert page.context["statistics"].generated_at == NOW + 5 * S
    assert api.json()["generated_at"] == "2026-03-04T02:00:05Z"  # NOW + 5 s, in UTC


def test_a_pass_leaves_both_to_the_worker_computing_either(complaints, monkeypatch):
    """At five million complaints a count outlasts the 30 s between a worker's passes:
    another worker's pass, finding the API's question due while the page's was being
    computed, counted everything again beside it."""
    counted = []

    def counting(**arguments):
        counted.append(arguments)
        return complaint_statistics(**arguments)

    monkeypatch.setattr("config.warming.complaint_statistics", counting)
    with time_machine.travel(NOW, tick=False):
        page_key, api_key = warm_public_statistics()
    cache.delete(api_key + ":kept")
    assert cache.add(page_key + ":computing", True)  # another worker computes the page's
    with time_machine.travel(NOW + 5 * S, tick=False):
        assert warm_public_statistics() == []
        cache.delete(page_key + ":computing")
        assert warm_public_statistics() == [page_key, api_key]
    assert len(counted) == 2


def test_both_questions_stay_fresh_as_long_as_counting_everything_took(complaints,
                                                                        monkeypatch):
    """The API's question is answered from the count the page's question made, in no time
    of its own: kept fresh only a period, it had the worker count everything again every
    period, half a database core at five million complaints (finding 56)."""
    monkeypatch.setattr("config.cache.FRESH_PER_COMPUTATION", 10_000)

    def slow(**arguments):  # a twentieth of a second: fresh 500 s or more
        time.sleep(0.05)
        return complaint_statistics(**arguments)

    monkeypatch.setattr("config.warming.complaint_statistics", slow)
    with time_machine.travel(NOW, tick=False):
        assert len(warm_public_statistics()) == 2
    with time_machine.travel(NOW + 400 * S, tick=False):
        assert warm_public_statistics(ahead_seconds=30) == []


# --- the figures' HTML, written once per question, language and figures -----------------

def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_figures_html_is_written_once_for_everyone_asking_in_a_language(
        client, world, submit, complaints, monkeypatch, django_assert_num_queries):
    """At a million complaints writing the tables of everything took 90 ms a visit, for
    HTML that is the same for everyone asking the question until the figures change."""
    from complaints.views import statistics as view

    written = []
    monkeypatch.setattr(view, "figure_rows", lambda *args: written.append(1) or
                        figure_rows(*args))
    first = get(client, PUBLIC)
    with django_assert_num_queries(0):  # nothing read: the figures and their HTML are kept
        again = get(client, PUBLIC)
    assert len(written) == 1
    assert without_csrf(again) == without_csrf(first)
    assert ">Dinas Perhubungan<" in first.content.decode()
    assert '"stats-data"' in again.content.decode()
    indonesian = get(client, PUBLIC, HTTP_ACCEPT_LANGUAGE="id")
    assert len(written) == 2
    assert "Statistik layanan" in indonesian.content.decode()
    # New figures (the period over, a complaint more): written again, with the new count.
    story(world, submit, received=NOW)
    with time_machine.travel(NOW + 61 * S, tick=False):
        later = client.get(PUBLIC, HTTP_ACCEPT_LANGUAGE="en")
    assert len(written) == 3
    assert later.context["statistics"].totals.complaints == 7
    assert '<span class="headline-count">7</span>' in later.content.decode()


def test_the_same_question_asked_in_other_words_keeps_what_was_typed(client, complaints,
                                                                      caplog):
    """`2026-2-1` and `2026-02-01` are one question (one computation); each page shows the
    date as its visitor typed it, in the filter and in the link to the same numbers."""
    with caplog.at_level("INFO", logger="config.cache"):
        short = get(client, PUBLIC, {"received_after": "2026-2-1"})
        padded = get(client, PUBLIC, {"received_after": "2026-02-01"})
    assert [r.getMessage().split()[1] for r in caplog.records] == [
        "statistics-page:::2026-02-01:"]
    assert 'value="2026-2-1"' in short.content.decode()
    assert "received_after=2026-2-1" in short.content.decode()
    assert 'value="2026-02-01"' in padded.content.decode()
    assert "received_after=2026-2-1" not in padded.content.decode()
