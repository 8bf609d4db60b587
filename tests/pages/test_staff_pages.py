"""The staff pages: sign-in, the queue of each role, a complaint's detail with exactly the
actions open now, acting through the workflow service, the reporter's identity, and
recording a complaint received by phone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from complaints.forms.staff import QUEUE_FILTERS
from complaints.identifiers import token_matches
from complaints.models import Attachment, Complaint, Membership
from complaints.templatetags.aduan import local
from complaints.views import staff as staff_views
from tests.conftest import MONDAY_9_WIB
from workflow.models import Clock, Event
from workflow.services import clock_breach, complaint_transition
from workflow.states import Role, State

SOON = MONDAY_9_WIB + dt.timedelta(hours=1)  # Monday 2 February 2026, 10:00 WIB
QUEUE = reverse("staff:queue")
LOGIN = reverse("staff:login")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(SOON, tick=False):
        yield


@pytest.fixture
def as_persona(world):
    """A browser signed in as the persona, asking for English pages."""

    def make(persona: str, language: str = "en", **kwargs: Any) -> Client:
        client = Client(headers={"accept-language": language}, **kwargs)
        client.force_login(getattr(world, persona))
        return client

    return make


@pytest.fixture
def assigned(world, submit):
    """A complaint received at `now` and assigned a minute later to the unit."""

    def make(*, now: dt.datetime = MONDAY_9_WIB, complexity: str = "normatif",
             assignee: str | None = "officer", **fields: Any) -> Complaint:
        complaint = submit(now=now, **fields).complaint
        payload = {"unit": world.unit.code, "complexity": complexity}
        if assignee:
            payload["assignee"] = assignee
        return complaint_transition(complaint=complaint, action="assign",
                                    actor=world.actor(Role.COORDINATOR), payload=payload,
                                    now=now + dt.timedelta(minutes=1))

    return make


def detail_url(complaint: Complaint) -> str:
    return reverse("staff:detail", args=[complaint.tracking_number])


def act_url(complaint: Complaint, action: str) -> str:
    return reverse("staff:act", args=[complaint.tracking_number, action])


def identity_url(complaint: Complaint) -> str:
    return reverse("staff:identity", args=[complaint.tracking_number])


def listed(response: Any) -> list[str]:
    """Tracking numbers of the queue's table, in order."""
    return re.findall(r'<th scope="row"><a href="/staff/complaints/([A-Z0-9-]+)/">',
                      response.content.decode())


def action_forms(response: Any) -> set[str]:
    return set(re.findall(r'action="/staff/complaints/[A-Z0-9-]+/aksi/(\w+)/"',
                          response.content.decode()))


def shown(moment: dt.datetime) -> str:
    """A time as the English pages show it in the agency's zone (WIB)."""
    with translation.override("en"):
        return local(moment, "Asia/Jakarta")


def numbers(*complaints: Complaint) -> list[str]:
    return [c.tracking_number for c in complaints]


class TestSignIn:
    def test_login_page_has_a_form_with_csrf(self, world):
        response = Client(headers={"accept-language": "en"}).get(LOGIN)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'name="username"' in body and 'name="password"' in body
        assert 'name="csrfmiddlewaretoken"' in body
        assert '<label for="id_username">' in body

    def test_wrong_password_shows_an_error(self, world):
        client = Client(headers={"accept-language": "en"})
        response = client.post(LOGIN, {"username": "coordinator", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_right_password_leads_to_the_queue(self, world):
        client = Client()
        response = client.post(LOGIN, {"username": "coordinator", "password": "x"})
        assert response.status_code == 302 and response["Location"] == QUEUE
        assert client.get(QUEUE).status_code == 200

    @pytest.mark.parametrize("name", ["staff:queue", "staff:intake"])
    def test_anonymous_is_sent_to_sign_in(self, world, name):
        url = reverse(name)
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"

    def test_anonymous_is_sent_to_sign_in_from_a_complaint(self, world, submit):
        complaint = submit().complaint
        for url in (detail_url(complaint), identity_url(complaint)):
            response = Client().get(url)
            assert response.status_code == 302 and response["Location"].startswith(LOGIN)

    def test_logout_is_a_post(self, world, as_persona):
        client = as_persona("coordinator")
        assert client.get(reverse("staff:logout")).status_code == 405
        response = client.post(reverse("staff:logout"))
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert client.get(QUEUE).status_code == 302

    def test_a_user_without_a_role_is_told_so(self, world):
        user = get_user_model().objects.create_user(username="newcomer", password="x")
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        response = client.get(QUEUE)
        assert response.status_code == 403
        assert "You have no role in Aduan yet" in response.content.decode()
        assert client.get(reverse("staff:intake")).status_code == 403


class TestQueues:
    def test_coordinator_sees_new_complaints_first(self, world, as_persona, submit,
                                                   assigned):
        new = submit().complaint
        taken = assigned()
        submit(service=world.other_service)  # another agency's
        client = as_persona("coordinator")
        response = client.get(QUEUE)
        assert response.status_code == 200
        assert listed(response) == numbers(new)
        assert 'aria-current="page">New &amp; unassigned' in response.content.decode()
        assert set(listed(client.get(QUEUE, {"tab": "all"}))) == set(numbers(new, taken))

    def test_officer_sees_theirs_and_their_units_unassigned(self, world, as_persona, submit,
                                                             assigned, complaint_in):
        mine = assigned(assignee="officer")
        assigned(assignee="second_officer")
        nobodys = assigned(assignee=None)
        complaint_in(State.CLOSED)  # was assigned to the officer, now closed
        submit()  # received: not yet in any unit
        client = as_persona("officer")
        assert listed(client.get(QUEUE)) == numbers(mine)
        assert listed(client.get(QUEUE, {"tab": "unit"})) == numbers(nobodys)
        assert "New &amp; unassigned" not in client.get(QUEUE).content.decode()

    def test_supervisor_sees_at_risk_and_breached_in_their_unit(self, world, as_persona,
                                                               submit, assigned):
        # First response (5 working days) long past: breached.
        late = assigned(now=MONDAY_9_WIB - dt.timedelta(days=10))
        # Statutory answer (14 calendar days) 11 days in, with a 60-day tier: at risk.
        close = assigned(now=MONDAY_9_WIB - dt.timedelta(days=11),
                         complexity="berkadar-pengawasan")
        fine = assigned()
        submit(now=MONDAY_9_WIB - dt.timedelta(days=10))  # breached, but not in a unit yet
        statuses = {c.tracking_number: {k.status(SOON) for k in c.clocks.all()}
                    for c in (late, close, fine)}
        assert "breached" in statuses[late.tracking_number]
        assert statuses[close.tracking_number] >= {"at_risk"}
        assert "breached" not in statuses[close.tracking_number]
        assert statuses[fine.tracking_number] <= {"running", "met"}
        client = as_persona("supervisor")
        response = client.get(QUEUE)
        assert set(listed(response)) == set(numbers(late, close))
        # The badges of the clocks are shown with the one status vocabulary.
        body = response.content.decode()
        assert '<span class="badge breached">Overdue</span>' in body
        assert '<span class="badge at_risk">Due soon</span>' in body
        assert set(listed(client.get(QUEUE, {"tab": "all"}))) == set(numbers(late, close, fine))
        # The form can narrow the preset to one of the two.
        narrowed = client.get(QUEUE, {"tab": "risk", "sla_status": "breached"})
        assert listed(narrowed) == numbers(late)

    def test_filters_are_the_shared_filterset(self, world, as_persona, submit, assigned):
        new = submit(title="Antrean panjang").complaint
        taken = assigned(title="KTP hilang")
        client = as_persona("coordinator")
        assert listed(client.get(QUEUE, {"tab": "all", "state": "assigned"})) == numbers(taken)
        assert listed(client.get(QUEUE, {"tab": "all", "q": "antrean"})) == numbers(new)
        assert listed(client.get(QUEUE, {"tab": "all",
                                         "q": new.tracking_number.lower()})) == numbers(new)
        assert set(listed(client.get(QUEUE, {"tab": "all", "service": "ktp-el"}))) == set(
            numbers(new, taken))
        assert listed(client.get(QUEUE, {"tab": "all", "received_after": "2026-02-03"})) == []
        assert set(listed(client.get(QUEUE, {"tab": "all", "received_after": "2026-02-02",
                                             "received_before": "2026-02-03"}))) == set(
            numbers(new, taken))
        assert listed(client.get(QUEUE, {"tab": "all", "sla_status": "breached"})) == []

    @pytest.mark.parametrize(("persona", "tab", "preset"), [
        ("coordinator", "all", set()), ("coordinator", "new", set()),
        ("officer", "mine", {"assignee"}), ("supervisor", "risk", set())])
    def test_a_queue_copies_only_the_filters_it_can_use(self, world, as_persona, persona, tab,
                                                       preset):
        # The form's six and what the tab presets; the API's other filters are never read
        # from the page's query, and copying them with their fields cost every page.
        form = as_persona(persona).get(QUEUE, {"tab": tab, "channel": "web"}).context["filters"]
        assert set(form.fields) == set(QUEUE_FILTERS) | preset

    def test_received_dates_are_days_in_the_agency_zone(self, world, as_persona, submit):
        # 06:30 WIB on 2 February is still 1 February in UTC.
        early = submit(now=dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC)).complaint
        client = as_persona("coordinator")
        assert listed(client.get(QUEUE, {"tab": "all", "received_after": "2026-02-02"})) == \
            numbers(early)

    def test_unknown_filter_values_are_refused(self, world, as_persona, submit):
        submit()
        submit(service=world.other_service)
        client = as_persona("coordinator")
        for bad in ({"state": "lost"}, {"received_after": "yesterday"},
                    {"service": "parkir"}):  # another agency's service: not in the list
            response = client.get(QUEUE, {"tab": "all", **bad})
            assert response.status_code == 400
            assert listed(response) == []
            assert "Some filters are not valid" in response.content.decode()

    def test_most_urgent_first(self, world, as_persona, submit, complaint_in):
        recent = submit().complaint
        older = submit(now=MONDAY_9_WIB - dt.timedelta(days=7)).complaint
        done = complaint_in(State.CLOSED)  # no running deadline: last
        client = as_persona("coordinator")
        assert listed(client.get(QUEUE, {"tab": "all"})) == numbers(older, recent, done)
        newest = client.get(QUEUE, {"tab": "all", "order": "newest"})
        assert listed(newest)[-1] == older.tracking_number

    def test_next_deadline_is_shown_in_local_time(self, world, as_persona, submit):
        submit()
        body = as_persona("coordinator").get(QUEUE).content.decode()
        # Verification: 3 working days from Monday 09:00 WIB.
        clock = Clock.objects.get(name="verify")
        assert clock.due_at == dt.datetime(2026, 2, 5, 16, 59, 59, tzinfo=dt.UTC)
        assert shown(clock.due_at).startswith("Thursday, 5 February 2026 ")
        assert shown(clock.due_at) in body
        assert shown(MONDAY_9_WIB) in body  # received

    # 1 the session, 2 its user with their memberships (and their agencies' zones), 3 the
    # services of the filter, 4 the count for the paginator, 5 the page chosen on the
    # complaint table (those with a deadline and, closed, those without one), 6 its
    # complaints with their relations, 7 their clocks.
    @pytest.mark.parametrize(("persona", "expected"), [
        ("coordinator", 7), ("ombudsman", 7), ("administrator", 7)])
    def test_queries_do_not_grow_with_the_page(self, world, as_persona, submit, complaint_in,
                                               django_assert_num_queries, persona, expected):
        client = as_persona(persona)
        complaint_in(State.CLOSED)
        complaint_in(State.CLOSED)
        for count in (3, 30):
            for _ in range(count - Complaint.objects.count()):
                submit()
            with django_assert_num_queries(expected):
                response = client.get(QUEUE, {"tab": "all"})
            assert len(listed(response)) == count

    @pytest.mark.parametrize(("tab", "parts"), [("all", 2), ("mine", 1)])
    def test_a_scope_is_counted_by_its_parts_unless_an_officer_is_named(
            self, world, as_persona, complaint_in, tab, parts):
        """The officer's *all* tab counts the unit's complaints and the officer's own
        elsewhere apart, each from its index (finding 50); *mine* names the officer, whose
        index serves the count whole."""
        complaint_in(State.ASSIGNED)
        with CaptureQueriesContext(connection) as queries:
            response = as_persona("officer").get(QUEUE, {"tab": tab})
        assert response.status_code == 200 and len(listed(response)) == 1
        (count,) = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
        assert count.count("UNION ALL") == parts - 1

    def test_pages_keep_the_filters(self, world, as_persona, submit, monkeypatch):
        monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
        made = [submit().complaint for _ in range(3)]
        client = as_persona("coordinator")
        first = client.get(QUEUE, {"tab": "all", "state": "received"})
        assert len(listed(first)) == 2
        assert "tab=all&amp;state=received&amp;page=2" in first.content.decode()
        second = client.get(QUEUE, {"tab": "all", "state": "received", "page": 2})
        assert set(listed(first) + listed(second)) == set(numbers(*made))

    @pytest.mark.parametrize(("language", "caption", "hint"), [
        ("en", "All in my scope: more than 3 complaints",
         "The pages list the first 3 complaints. Narrow the filters to find the others."),
        ("id", "Semua dalam cakupan saya: lebih dari 3 pengaduan",
         "Halaman-halaman ini memuat 3 pengaduan pertama. Persempit filter untuk menemukan "
         "yang lain."),
    ])
    def test_a_queue_past_its_limit_lists_the_first_and_says_there_are_more(
            self, world, as_persona, submit, monkeypatch, language, caption, hint):
        monkeypatch.setattr(staff_views, "QUEUE_LIMIT", 3)
        monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
        made = [submit().complaint for _ in range(5)]
        client = as_persona("coordinator")
        pages = [client.get(QUEUE, {"tab": "all", "order": "newest", "page": number},
                            HTTP_ACCEPT_LANGUAGE=language) for number in (1, 2, 3)]
        body = pages[1].content.decode()
        assert caption in body and hint in body
        assert 'rel="next"' not in body  # the second page is the last one listed
        newest_first = numbers(*reversed(made))
        assert listed(pages[0]) + listed(pages[1]) == newest_first[:3]
        assert listed(pages[2]) == listed(pages[1])  # past the last page: the last page
        monkeypatch.setattr(staff_views, "QUEUE_LIMIT", 5)  # as many as there are
        at_the_limit = client.get(QUEUE, {"tab": "all"}, HTTP_ACCEPT_LANGUAGE="en")
        body = at_the_limit.content.decode()
        assert "All in my scope: 5 complaints" in body and "Narrow the filters" not in body

    @pytest.mark.parametrize(("tab", "caption"), [
        ("all", "All in my scope: 3 complaints"), ("mine", "Mine: 2 complaints")])
    def test_an_officers_queue_counts_each_complaint_once(self, world, as_persona,
                                                          complaint_in, tab, caption):
        """The officer's own complaints are both the unit's and their own: the count by
        the scope's parts (finding 50) takes each once."""
        complaint_in(State.ASSIGNED), complaint_in(State.ASSIGNED)  # the officer's
        complaint_in(State.RECEIVED)  # not yet the unit's
        in_unit = complaint_in(State.ASSIGNED)
        in_unit.assignee = world.second_officer
        in_unit.save(update_fields=["assignee"])
        body = as_persona("officer").get(QUEUE, {"tab": tab}, HTTP_ACCEPT_LANGUAGE="en")
        assert caption in body.content.decode()

    @pytest.mark.parametrize(("language", "words"), [
        ("en", ("Assigned", "Verification", "First response", "Statutory answer",
                "Resolution", "Met", "On time", "Monday, 2 February 2026 09:00 WIB",
                "Monday, 9 February 2026 23:59 WIB")),
        ("id", ("Ditangani", "Verifikasi", "Tanggapan pertama",
                "Jawaban menurut undang-undang", "Penyelesaian", "Terpenuhi", "Tepat waktu",
                "Senin, 2 Februari 2026 09.00 WIB", "Senin, 9 Februari 2026 23.59 WIB")),
    ])
    def test_a_row_says_everything_in_the_pages_language(self, world, as_persona, assigned,
                                                         language, words):
        complaint = assigned(title="Lampu <jalan> & taman")
        client = as_persona("officer", language)
        body = client.get(QUEUE).content.decode()
        row = re.search(r"<tbody>\s*(.*?)\s*</tbody>", body, re.S).group(1)
        state, verify, first, statutory, resolution, met, on_time, received, due = words
        number = complaint.tracking_number
        assert row == (
            f'<tr><th scope="row"><a href="/staff/complaints/{number}/">{number}</a></th>'
            f"<td>Lampu &lt;jalan&gt; &amp; taman</td><td>{world.service.name}</td>"
            f'<td><span class="badge state">{state}</span></td>'
            f"<td>{world.unit.name}<br>{world.officer.username}</td>"
            f'<td><time datetime="2026-02-02T02:00:00+00:00">{received}</time></td>'
            f'<td><time datetime="2026-02-09T16:59:59+00:00">{due}</time><br>{first} '
            f'<span class="badge running">{on_time}</span></td>'
            f'<td><ul class="clock-badges"><li>{statutory} <span class="badge running">'
            f'{on_time}</span></li><li>{resolution} <span class="badge running">{on_time}'
            f'</span></li><li>{first} <span class="badge running">{on_time}</span></li>'
            f"</ul></td></tr>")
        assert verify not in row and met not in row  # verification was met: no badge

    def test_an_empty_queue_says_so(self, world, as_persona):
        body = as_persona("officer", "id").get(QUEUE)
        assert '<tr><td colspan="8">Tidak ada pengaduan di sini.</td></tr>' in \
            body.content.decode()

    def test_user_text_is_escaped(self, world, as_persona, submit):
        submit(title="<script>alert('t')</script>")
        body = as_persona("coordinator").get(QUEUE).content.decode()
        assert "<script>alert('t')" not in body
        assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in body


class TestDetail:
    def test_outside_the_scope_is_404(self, world, as_persona, submit):
        received = submit().complaint
        assert as_persona("outside_officer").get(detail_url(received)).status_code == 404
        # Officers see complaints once they are in their unit.
        assert as_persona("officer").get(detail_url(received)).status_code == 404
        assert as_persona("coordinator").get(detail_url(received)).status_code == 200
        assert as_persona("coordinator").get(
            reverse("staff:detail", args=["NOPE0-00000"])).status_code == 404

    def test_coordinator_on_a_new_complaint_may_assign_reject_or_refer(self, world,
                                                                        as_persona, submit):
        complaint = submit().complaint
        response = as_persona("coordinator").get(detail_url(complaint))
        assert action_forms(response) == {"assign", "reject", "refer"}

    def test_officer_on_their_complaint_may_ask_or_respond(self, world, as_persona, assigned):
        complaint = assigned()
        response = as_persona("officer").get(detail_url(complaint))
        assert action_forms(response) == {"request_info", "respond"}

    def test_supervisor_may_reassign_or_extend(self, world, as_persona, assigned):
        complaint = assigned()
        response = as_persona("supervisor").get(detail_url(complaint))
        assert action_forms(response) == {"reassign", "extend"}

    def test_ombudsman_reads_without_actions(self, world, as_persona, assigned):
        response = as_persona("ombudsman").get(detail_url(assigned()))
        assert response.status_code == 200 and action_forms(response) == set()
        assert "No action is open to you on this complaint now." in response.content.decode()

    def test_shows_facts_deadlines_and_the_timeline(self, world, as_persona, assigned):
        complaint = assigned()
        clock = complaint.clocks.get(name="first_response")
        with time_machine.travel(clock.due_at + dt.timedelta(hours=1), tick=False):
            clock_breach(clock.pk, now=clock.due_at + dt.timedelta(hours=1))
            body = as_persona("coordinator").get(detail_url(complaint)).content.decode()
        for text in ("KTP elektronik", "Dinas Kependudukan", "Bidang KTP", "officer",
                     "Web", "Normatif (5 working days)", "Version 1",
                     shown(MONDAY_9_WIB), "First response",
                     "Sudah tiga bulan KTP-el saya belum dicetak.",
                     "Submitted", "Assign", "coordinator (Coordinator)",
                     "Deadline breached", "system (System)"):
            assert text in body, text
        assert '<span class="badge breached">Overdue</span>' in body
        # Each deadline by its name, with its length in the standard.
        assert ('<th scope="row">First response<br><span class="hint">5 working days</span>'
                "</th>") in body

    def test_shows_its_attachments_and_the_complaint_referred_to_it(
            self, world, as_persona, assigned, submit, django_assert_num_queries):
        complaint, source = assigned(), submit().complaint
        client = as_persona("coordinator")
        client.get(detail_url(complaint))
        with django_assert_num_queries(7):
            body = client.get(detail_url(complaint)).content.decode()
        assert "Referred from" not in body
        assert re.search(r"<h3>Attachments</h3>\s*<p class=\"hint\">None.</p>", body)
        Complaint.objects.filter(pk=source.pk).update(referred_to=complaint)
        Attachment.objects.create(complaint=complaint, file="x/foto.jpg",
                                  original_name="foto.jpg", content_type="image/jpeg",
                                  size=2048, sha256="0" * 64, uploaded_by_role="citizen")
        with django_assert_num_queries(8):  # one more than without: the attachments
            body = client.get(detail_url(complaint)).content.decode()
        assert (f"<dt>Referred from</dt><dd>{source.tracking_number}</dd>") in body
        assert ('<li>foto.jpg <span class="hint">(2.0\xa0KB, image/jpeg)</span></li>'
                in body)

    @pytest.mark.parametrize("language, words", [
        ("en", ("Verification", "First response", "Statutory answer", "cycle 2",
                "Resolution", "working days", "calendar days", "Extended by 3 working days:",
                "Stopped Monday, 2 February 2026 09:01 WIB",
                "Paused since Monday, 2 February 2026 09:00 WIB", "Met", "On time", "Paused")),
        ("id", ("Verifikasi", "Tanggapan pertama", "Jawaban menurut undang-undang",
                "putaran 2", "Penyelesaian", "hari kerja", "hari kalender",
                "Diperpanjang 3 hari kerja:", "Dihentikan Senin, 2 Februari 2026 09.01 WIB",
                "Dijeda sejak Senin, 2 Februari 2026 09.00 WIB", "Terpenuhi", "Tepat waktu",
                "Dijeda")),
    ])
    def test_a_deadline_row_says_everything_in_the_pages_language(
            self, world, as_persona, assigned, language, words):
        """Its name, cycle and length, when it is due, extended, stopped or paused, and its
        status, in the order the clocks started (complaint_for_page)."""
        complaint = assigned()
        clocks = {c.name: c for c in complaint.clocks.all()}
        assert set(clocks) == {"verify", "first_response", "statutory_answer", "resolution"}
        Clock.objects.filter(pk=clocks["first_response"].pk).update(
            extended_by=3, extension_reason="<b>Menunggu</b> data pusat")
        Clock.objects.filter(pk=clocks["statutory_answer"].pk).update(cycle=2)
        Clock.objects.filter(pk=clocks["resolution"].pk).update(paused_at=MONDAY_9_WIB)
        (verify, first, statutory, cycle, resolution, working, calendar, extended, stopped,
         paused, met, on_time, paused_badge) = words
        with time_machine.travel(MONDAY_9_WIB + dt.timedelta(minutes=5), tick=False):
            body = as_persona("coordinator", language).get(
                detail_url(complaint)).content.decode()
        rows = re.search(r'<tbody>\s*(<tr><th scope="row">.*?)\s*</tbody>', body, re.S)[1]

        def due(name: str) -> str:
            moment = clocks[name].due_at
            with translation.override(language):
                text = local(moment, "Asia/Jakarta")
            return f'<time datetime="{moment.isoformat()}">{text}</time>'

        assert rows == (
            f'<tr><th scope="row">{verify}<br><span class="hint">3 {working}</span></th>'
            f'<td>{due("verify")}<br><span class="hint">{stopped}</span></td>'
            f'<td><span class="badge met">{met}</span></td></tr>'
            f'<tr><th scope="row">{statutory} ({cycle})<br><span class="hint">14 {calendar}'
            f'</span></th><td>{due("statutory_answer")}</td>'
            f'<td><span class="badge running">{on_time}</span></td></tr>'
            f'<tr><th scope="row">{resolution}<br><span class="hint">60 {calendar}</span></th>'
            f'<td>{due("resolution")}<br><span class="hint">{paused}</span></td>'
            f'<td><span class="badge paused">{paused_badge}</span></td></tr>'
            # Started when the complaint was assigned, after the others.
            f'<tr><th scope="row">{first}<br><span class="hint">5 {working}</span></th>'
            f'<td>{due("first_response")}<br><span class="hint">{extended} &lt;b&gt;Menunggu'
            f'&lt;/b&gt; data pusat</span></td>'
            f'<td><span class="badge running">{on_time}</span></td></tr>')

    @pytest.mark.parametrize("language, words", [
        ("en", ("Assign", "Coordinator", "Received", "Assigned", "Unit", "Officer",
                "Complexity", "Note", "Monday, 2 February 2026 09:01 WIB")),
        ("id", ("Disposisikan", "Koordinator", "Diterima", "Ditangani", "Unit kerja",
                "Petugas", "Tingkat kompleksitas", "Catatan",
                "Senin, 2 Februari 2026 09.01 WIB")),
    ])
    def test_a_timeline_item_says_everything_in_the_pages_language(
            self, world, as_persona, assigned, language, words):
        complaint = assigned()
        # In the order PostgreSQL's jsonb keeps keys (by length, then bytes), as SQLite keeps
        # them as written.
        Event.objects.filter(complaint=complaint, action="assign").update(
            actor_label="<i>koordinator</i>", payload={
                "note": "baris satu\n<b>baris dua</b>", "unit": world.unit.code,
                "message": "", "assignee": "officer", "complexity": "normatif"})
        action, role, received, handled, unit, officer, complexity, note, at = words
        body = as_persona("coordinator", language).get(detail_url(complaint)).content.decode()
        items = re.findall(r"<li><time.*?</li>", body, re.S)
        assert len(items) == complaint.events.count() == 2
        assert items[1] == (
            f'<li><time datetime="2026-02-02T02:01:00+00:00">{at}</time> '
            f"<strong>{action}</strong> — &lt;i&gt;koordinator&lt;/i&gt; ({role})"
            f' <span class="hint">{received} → {handled}</span><dl class="facts">'
            f"<dt>{note}</dt><dd>baris satu<br>&lt;b&gt;baris dua&lt;/b&gt;</dd>"
            f"<dt>{unit}</dt><dd>{world.unit.code}</dd><dt>{officer}</dt><dd>officer</dd>"
            f"<dt>{complexity}</dt><dd>normatif</dd></dl></li>")

    def test_a_timeline_item_shows_codes_it_has_no_label_for_as_they_are(
            self, world, as_persona, assigned):
        """Escaped, as an event's payload is: what an older release recorded, say."""
        complaint = assigned()
        Event.objects.filter(complaint=complaint, action="assign").update(
            role="<b>auditor</b>", to_state="<b>archived</b>", payload={
                "channel": "<b>fax</b>", "clock": ["verify"], "reason": "x\r\ny\rz"})
        body = as_persona("coordinator").get(detail_url(complaint)).content.decode()
        item = re.findall(r"<li><time.*?</li>", body, re.S)[1]
        assert ("(&lt;b&gt;auditor&lt;/b&gt;) <span class=\"hint\">Received → "
                "&lt;b&gt;archived&lt;/b&gt;</span>") in item
        # Each alone: PostgreSQL's jsonb keeps keys in an order of its own.
        assert "<dt>Channel</dt><dd>&lt;b&gt;fax&lt;/b&gt;</dd>" in item
        assert "<dt>Deadline</dt><dd>[&#x27;verify&#x27;]</dd>" in item
        assert "<dt>Reason</dt><dd>x<br>y<br>z</dd>" in item

    def test_assign_through_the_form(self, world, as_persona, submit):
        complaint = submit().complaint
        client = as_persona("coordinator")
        body = client.get(detail_url(complaint)).content.decode()
        assignee_select = re.search(r'<select name="assignee".*?</select>', body, re.S).group(0)
        offered = set(re.findall(r'<option value="(\d+)"', assignee_select))
        assert offered == {str(world.officer.pk), str(world.second_officer.pk)}
        assert str(world.outside_officer.pk) not in offered
        response = client.post(act_url(complaint, "assign"), {
            "unit": world.unit.pk, "assignee": world.officer.pk, "complexity": "ringan",
            "classification": "complaint"})
        assert response.status_code == 302 and response["Location"] == detail_url(complaint)
        complaint.refresh_from_db()
        assert complaint.state == State.ASSIGNED
        assert (complaint.unit, complaint.assignee) == (world.unit, world.officer)
        assert complaint.complexity == "ringan" and complaint.classification == "complaint"
        event = complaint.events.order_by("-seq").first()
        assert (event.action, event.actor_label, event.role) == ("assign", "coordinator",
                                                                 "coordinator")
        assert event.payload["assignee"] == "officer"
        page = client.get(response["Location"]).content.decode()
        assert "Done: Assign." in page

    def test_a_colleague_acting_first_is_a_clear_409(self, world, as_persona, submit):
        other = get_user_model().objects.create_user(username="coordinator2", password="x")
        Membership.objects.create(user=other, role=Role.COORDINATOR, agency=world.agency)
        complaint = submit().complaint
        first, second = as_persona("coordinator"), as_persona("coordinator")
        second.force_login(other)
        assert "assign" in action_forms(first.get(detail_url(complaint)))
        assert "assign" in action_forms(second.get(detail_url(complaint)))
        form = {"unit": world.unit.pk, "assignee": world.officer.pk, "complexity": "normatif"}
        assert first.post(act_url(complaint, "assign"), form).status_code == 302
        response = second.post(act_url(complaint, "assign"),
                               {**form, "assignee": world.second_officer.pk})
        assert response.status_code == 409
        body = response.content.decode()
        assert "This action is not possible now. Someone may have changed the complaint first" \
            in body
        assert 'role="alert"' in body
        # The page shows the complaint as it is now: the winner's assignment, reassign open.
        assert action_forms(response) == {"reassign"}
        complaint.refresh_from_db()
        assert complaint.assignee == world.officer
        assert complaint.events.filter(action="assign").count() == 1

    def test_an_incomplete_form_is_400_and_changes_nothing(self, world, as_persona, submit):
        complaint = submit().complaint
        response = as_persona("coordinator").post(act_url(complaint, "assign"),
                                                  {"complexity": "normatif"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "The action was not taken. Please check the form." in body
        assert 'id="id_assign_unit_error"' in body and 'aria-invalid="true"' in body
        complaint.refresh_from_db()
        assert complaint.state == State.RECEIVED

    def test_the_services_refusal_is_shown_next_to_the_field(self, world, as_persona, submit):
        complaint = submit().complaint
        # The officer works in the KTP unit, not at the agency's top level.
        response = as_persona("coordinator").post(act_url(complaint, "assign"), {
            "unit": world.agency.pk, "assignee": world.officer.pk, "complexity": "normatif"})
        assert response.status_code == 400
        assert "assignee must be an officer of the chosen unit." in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.state == State.RECEIVED

    def test_an_action_that_is_not_the_actors_is_403(self, world, as_persona, assigned):
        complaint = assigned()
        response = as_persona("officer").post(act_url(complaint, "reassign"), {
            "unit": world.unit.pk})
        assert response.status_code == 403
        assert "You may not take this action on this complaint." in response.content.decode()

    def test_unknown_action_is_404_and_get_is_405(self, world, as_persona, submit):
        complaint = submit().complaint
        client = as_persona("coordinator")
        assert client.post(act_url(complaint, "explode"), {}).status_code == 404
        assert client.post(act_url(complaint, "accept"), {}).status_code == 404
        assert client.get(act_url(complaint, "assign")).status_code == 405

    def test_officer_responds_through_the_form(self, world, as_persona, assigned):
        complaint = assigned()
        response = as_persona("officer").post(act_url(complaint, "respond"), {
            "response": "KTP-el sudah dicetak."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.state == State.RESPONDED
        assert complaint.response == "KTP-el sudah dicetak."

    def test_officer_requests_information(self, world, as_persona, assigned):
        complaint = assigned()
        response = as_persona("officer").post(act_url(complaint, "request_info"), {
            "message": "Mohon kirim nomor registrasi."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.pending_info_request == "Mohon kirim nomor registrasi."

    def test_supervisor_extends_a_deadline_once(self, world, as_persona, assigned):
        complaint = assigned()
        client = as_persona("supervisor")
        form = {"clock": "first_response", "amount": 3, "reason": "Menunggu data pusat."}
        assert client.post(act_url(complaint, "extend"), form).status_code == 302
        assert complaint.clocks.get(name="first_response").extended_by == 3
        again = client.post(act_url(complaint, "extend"), form)
        assert again.status_code == 409
        assert "already extended once" in again.content.decode()
        assert ("Extended by 3 working days: Menunggu data pusat."
                in client.get(detail_url(complaint)).content.decode())

    def test_reject_as_duplicate_needs_the_other_number(self, world, as_persona, submit):
        first, second = submit().complaint, submit().complaint
        client = as_persona("coordinator")
        response = client.post(act_url(second, "reject"), {"reason": "duplicate"})
        assert response.status_code == 400
        assert "Give the tracking number of the other complaint." in response.content.decode()
        response = client.post(act_url(second, "reject"), {
            "reason": "duplicate", "duplicate_of": first.tracking_number})
        assert response.status_code == 302
        second.refresh_from_db()
        assert second.state == State.CLOSED and second.duplicate_of == first

    def test_refer_to_another_agencys_service(self, world, as_persona, submit):
        complaint = submit().complaint
        client = as_persona("coordinator")
        refer = re.search(r'<select name="service".*?</select>',
                          client.get(detail_url(complaint)).content.decode(), re.S).group(0)
        assert f'value="{world.other_service.pk}"' in refer
        assert f'value="{world.service.pk}"' not in refer
        response = client.post(act_url(complaint, "refer"), {
            "service": world.other_service.pk, "note": "Bukan kewenangan kami."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.closure_reason == "referred"
        assert complaint.referred_to.agency == world.other_agency

    def test_refer_needs_one_destination(self, world, as_persona, submit):
        complaint = submit().complaint
        response = as_persona("coordinator").post(act_url(complaint, "refer"), {"note": "?"})
        assert response.status_code == 400
        response = as_persona("coordinator").post(act_url(complaint, "refer"), {
            "agency_name": "Kantor Imigrasi"})
        assert response.status_code == 302

    def test_user_text_is_escaped(self, world, as_persona, submit):
        complaint = submit(description="<script>alert('x')</script>\nbaris dua",
                           title="<b>tebal</b>").complaint
        body = as_persona("coordinator").get(detail_url(complaint)).content.decode()
        assert "<script>alert" not in body and "<b>tebal</b>" not in body
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>baris dua" in body

    def test_csrf_is_enforced(self, world, submit):
        complaint = submit().complaint
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.coordinator)
        form = {"unit": world.unit.pk, "assignee": world.officer.pk, "complexity": "normatif"}
        assert client.post(act_url(complaint, "assign"), form).status_code == 403
        assert client.post(identity_url(complaint)).status_code == 403
        complaint.refresh_from_db()
        assert complaint.state == State.RECEIVED
        assert not complaint.events.filter(action="identity_viewed").exists()
        client.get(detail_url(complaint))
        token = client.cookies["csrftoken"].value
        response = client.post(act_url(complaint, "assign"),
                               {**form, "csrfmiddlewaretoken": token})
        assert response.status_code == 302


class TestReporterIdentity:
    def test_detail_never_shows_the_identity(self, world, as_persona, submit):
        complaint = submit().complaint
        body = as_persona("coordinator").get(detail_url(complaint)).content.decode()
        assert "Siti Rahayu" not in body and "siti@example.id" not in body
        assert "Show reporter identity" in body
        assert not Event.objects.filter(action="identity_viewed").exists()

    def test_showing_it_is_an_audit_event(self, world, as_persona, submit):
        complaint = submit().complaint
        client = as_persona("coordinator")
        asked = client.get(identity_url(complaint))
        assert asked.status_code == 200 and "Siti Rahayu" not in asked.content.decode()
        assert not complaint.events.filter(action="identity_viewed").exists()
        response = client.post(identity_url(complaint))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Siti Rahayu" in body and "siti@example.id" in body
        assert response["Cache-Control"].startswith("max-age=0")
        event = complaint.events.get(action="identity_viewed")
        assert (event.actor_label, event.role) == ("coordinator", "coordinator")
        # The view shows up in the timeline, with who looked.
        timeline = client.get(detail_url(complaint)).content.decode()
        assert "Reporter identity viewed" in timeline

    def test_anonymous_reporters_are_never_shown_to_the_agency(self, world, as_persona, submit,
                                                               assigned):
        complaint = submit(visibility="anonymous").complaint
        client = as_persona("coordinator")
        detail = client.get(detail_url(complaint)).content.decode()
        assert "Siti Rahayu" not in detail and "Show reporter identity" not in detail
        assert "Anonymous complaint" in detail
        for method in (client.get, client.post):
            response = method(identity_url(complaint))
            assert response.status_code == 403
            body = response.content.decode()
            assert "never shown to the handling agency" in body and "Siti Rahayu" not in body
        assert not complaint.events.filter(action="identity_viewed").exists()
        handled = assigned(visibility="anonymous")
        assert as_persona("officer").post(identity_url(handled)).status_code == 403


class TestIntake:
    FORM = {
        "channel": "phone", "received_at": "2026-02-02T08:30", "title": "Antrean KTP",
        "description": "Ditelepon: antrean KTP-el tiga jam.", "visibility": "public",
        "reporter_name": "Budi Santoso", "reporter_phone": "0812-1111-2222",
    }

    def test_coordinator_records_a_phone_complaint(self, world, as_persona):
        client = as_persona("coordinator")
        page = client.get(reverse("staff:intake"))
        assert page.status_code == 200
        body = page.content.decode()
        assert 'type="datetime-local"' in body and "WIB" in body
        assert f'value="{world.service.pk}"' in body
        assert f'value="{world.other_service.pk}"' not in body
        response = client.post(reverse("staff:intake"), {**self.FORM,
                                                         "service": world.service.pk})
        complaint = Complaint.objects.get()
        assert response.status_code == 302
        assert response["Location"] == (f"{reverse('staff:intake')}"
                                        f"?recorded={complaint.tracking_number}")
        assert complaint.channel == "phone"
        assert complaint.received_at == dt.datetime(2026, 2, 2, 1, 30, tzinfo=dt.UTC)
        assert complaint.reporter.name == "Budi Santoso"
        assert complaint.events.get().role == "coordinator"
        shown = client.get(response["Location"])
        body = shown.content.decode()
        assert complaint.tracking_number in body
        token = re.search(r'<span class="secret">([^<]+)</span>', body).group(1)
        assert token_matches(complaint.access_token_hash, token)
        assert reverse("citizen:track_link", args=[complaint.tracking_number, token]) in body
        # Shown once: a reload shows the number, never the code again.
        again = client.get(response["Location"]).content.decode()
        assert complaint.tracking_number in again and token not in again

    def test_an_officer_gets_the_code_of_a_complaint_not_yet_in_their_unit(self, world,
                                                                           as_persona):
        client = as_persona("officer")
        response = client.post(reverse("staff:intake"), {
            **self.FORM, "service": world.service.pk, "channel": "walk_in"})
        complaint = Complaint.objects.get()
        assert (complaint.channel, complaint.events.get().role) == ("walk_in", "officer")
        body = client.get(response["Location"]).content.decode()
        assert complaint.tracking_number in body and '<span class="secret">' in body
        assert "Open the complaint" not in body  # received: not in the officer's scope yet
        assert client.get(response["Location"]).status_code == 404

    def test_received_at_in_the_future_is_refused(self, world, as_persona):
        client = as_persona("officer")
        response = client.post(reverse("staff:intake"), {
            **self.FORM, "service": world.service.pk, "received_at": "2026-02-02T10:30"})
        assert response.status_code == 400
        assert "The time of receipt cannot be in the future." in response.content.decode()
        assert not Complaint.objects.exists()

    def test_missing_fields_are_marked(self, world, as_persona):
        response = as_persona("coordinator").post(reverse("staff:intake"), {"channel": "sms"})
        assert response.status_code == 400
        body = response.content.decode()
        assert 'id="id_title_error"' in body and 'id="id_service_error"' in body
        assert not Complaint.objects.exists()

    @pytest.mark.parametrize(("language", "optional"), [("en", "optional"),
                                                        ("id", "opsional")])
    def test_each_field_has_its_label_hint_and_errors(self, world, as_persona, language,
                                                      optional):
        """Every kind of field of a staff form (staff/_field.html): a control with its label
        (optional ones marked in the page's language), a radio group as a fieldset, a
        checkbox inside its label, and each hint and error with the id the control points
        to."""
        body = as_persona("coordinator", language).post(
            reverse("staff:intake"), {"channel": "sms", "reporter_email": "not an address"}
        ).content.decode()
        title = re.search(r'<div class="field field-error">\s*<label for="id_title">([^<]*)'
                          r'</label>\s*<ul class="errorlist" id="id_title_error"><li>[^<]+'
                          r'</li></ul>\s*<input [^>]*name="title"[^>]*>', body)
        assert title and "(" not in title.group(1)  # required: not marked
        assert re.search(r'<label for="id_location_text">[^<]+ <span class="hint">'
                         rf'\({optional}\)</span></label>', body)
        assert re.search(r'<p class="hint" id="id_reporter_id_number_helptext">[^<]+</p>'
                         r'\s*<input [^>]*aria-describedby="id_reporter_id_number_helptext"',
                         body)
        assert re.search(r'<ul class="errorlist" id="id_reporter_email_error"><li>[^<]+</li>'
                         r'</ul>\s*<input [^>]*aria-describedby="id_reporter_email_error"', body)
        assert re.search(r'<fieldset class="field field-error">\s*<legend>[^<]+</legend>\s*'
                         r'<ul class="errorlist" id="id_visibility_error"><li>[^<]+</li></ul>'
                         r'\s*<label class="choice" for="id_visibility_0"><input type="radio"'
                         r' name="visibility" value="public"[^>]*> <span>[^<]+</span></label>',
                         body)
        assert re.search(r'<label class="choice" for="id_reporter_consent"><input '
                         r'type="checkbox" name="reporter_consent"[^>]*> <span>[^<]+</span>'
                         r'</label>', body)
        # The queue's filters are all optional, and not marked so.
        queue = as_persona("coordinator", language).get(QUEUE).content.decode()
        assert '<label for="id_q">' in queue and f"({optional})" not in queue

    @pytest.mark.parametrize("persona", ["supervisor", "ombudsman"])
    def test_only_coordinators_and_officers_record(self, world, as_persona, persona):
        client = as_persona(persona)
        assert client.get(reverse("staff:intake")).status_code == 403
        assert client.post(reverse("staff:intake"), {
            **self.FORM, "service": world.service.pk}).status_code == 403
        assert not Complaint.objects.exists()
        assert "Record a complaint</a>" not in client.get(QUEUE).content.decode()
