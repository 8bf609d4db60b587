"""The citizen pages: submit, find, track, act on and print a complaint, through the Django
test client. Writes go through the workflow service; these tests check what the pages send
it and what they show back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.identifiers import hash_token, new_tracking_number
from complaints.defaults import create_default_standard
from complaints.models import (
    Attachment,
    Complaint,
    Feedback,
    Membership,
    Service,
    ServiceStandard,
)
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.models import Event
from workflow.permissions import Actor
from workflow.services import (
    clock_breach,
    clock_warn,
    complaint_transition,
    reporter_for,
)
from workflow.states import Action, ClockName, Role, State

SOON = MONDAY_9_WIB + dt.timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
GENERIC = "The tracking number or the access code is wrong."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(SOON, tick=False):
        yield


def browser(language: str = "en", **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def web() -> Client:
    return browser()


def text(response: Any) -> str:
    return response.content.decode()


def opened(client: Client, number: str, token: str) -> Client:
    """Let `client`'s session open the complaint, through its private link."""
    response = client.get(reverse("citizen:track_link", args=[number, token]))
    assert response.status_code == 302
    return client


def track_url(number: str) -> str:
    return reverse("citizen:track", args=[number])


def act_url(number: str, action: str) -> str:
    return reverse("citizen:act", args=[number, action])


def drive(world, complaint: Complaint, *steps: tuple[str, str], start: dt.datetime = SOON
          ) -> Complaint:
    """Take `complaint` through workflow actions `(action, persona)` with valid payloads."""
    for minutes, (action, role) in enumerate(steps, start=1):
        complaint = complaint_transition(
            complaint=complaint, action=action, actor=world.actor(role, complaint),
            payload=valid_payload(action, world), now=start - dt.timedelta(minutes=30 - minutes),
        )
    return complaint


def form_data(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "service": world.service.code, "title": "KTP-el belum jadi",
        "description": "Sudah tiga bulan KTP-el saya belum dicetak.", "location_text": "",
        "latitude": "", "longitude": "", "visibility": "anonymous",
        "reporter_name": "Siti Rahayu", "reporter_email": "siti@example.id",
        "reporter_phone": "", "consent_to_share": "on",
    }
    data.update(overrides)
    return data


def csrf_free(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- submit ---------------------------------------------------------------------------------

class TestSubmit:
    def test_form_shows_the_preselected_service_standard_in_words(self, world, web):
        response = web.get(reverse("citizen:submit") + "?service=ktp-el")
        assert response.status_code == 200
        page = text(response)
        assert '<option value="ktp-el" selected>KTP elektronik</option>' in page
        assert '<optgroup label="Dinas Kependudukan">' in page
        selected = page.split('id="standard-selected"')[1].split("</div>")[0]
        for sentence in ("Verified within 3 working days",
                         "Answered within 5 working days; depending on how complex the case "
                         "is, from 2 to 60 working days",
                         "First answer at the latest within 14 calendar days",
                         "Settled at the latest within 60 calendar days",
                         "UU 25/2009 tentang Pelayanan Publik", "version 1",
                         "in force since 1 January 2020"):
            assert sentence in selected
        # Without script, every service's standard is one click away.
        assert 'data-service="parkir"' in page
        assert "At most 5 files, each up to 10 MB; accepted: PDF, JPEG, PNG, GIF, WebP." in page

    def test_the_list_of_every_standard_is_kept_a_minute_per_language_and_catalogue(
            self, world, web, django_assert_num_queries):
        """Building every service's standard in words was four fifths of the form at 300
        services (finding 17): it is kept a minute, per language and per set of services
        and standards in force, so one added shows at once and an edit within the minute."""
        url = reverse("citizen:submit")

        def listed(page: str) -> str:
            return page.split('<details id="standard-all">')[1].split("</details>")[0]

        first = listed(text(web.get(url)))
        assert 'data-service="ktp-el"' in first and "Verified within 3 working days" in first
        with django_assert_num_queries(2):  # the services and their standards in force
            assert listed(text(web.get(url))) == first
        assert "Diverifikasi dalam 3 hari kerja" in listed(text(browser("id").get(url)))

        # A new service is a new catalogue: listed at once.
        added = Service.objects.create(agency=world.agency, code="akta", name="Akta lahir")
        create_default_standard(added, effective_from=dt.date(2020, 1, 1))
        assert 'data-service="akta"' in listed(text(web.get(url)))
        # An edit to a standard no complaint has pinned yet: shown after the minute.
        ServiceStandard.objects.filter(service=added).update(summary="Bawa KTP asli.")
        with time_machine.travel(SOON + dt.timedelta(seconds=61), tick=False):
            assert "Bawa KTP asli." in listed(text(web.get(url)))

    def test_every_control_has_a_label(self, world, web):
        page = text(web.get(reverse("citizen:submit")))
        controls = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
        assert len(controls) >= 12
        for control in controls:
            assert f'for="{control}"' in page, control
        assert "<legend>Who may see your identity?</legend>" in page

    def test_submission_goes_through_the_service_and_shows_the_code_once(self, world, web):
        upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
        response = web.post(reverse("citizen:submit"),
                            form_data(world, attachments=[upload]))

        complaint = Complaint.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("citizen:submitted",
                                               args=[complaint.tracking_number])
        assert complaint.channel == "web" and complaint.visibility == "anonymous"
        assert complaint.state == State.RECEIVED
        assert list(complaint.events.values_list("action", flat=True)) == ["submit"]
        assert complaint.reporter.email == "siti@example.id"
        assert complaint.reporter.consent_to_share is True
        attachment = Attachment.objects.get()
        assert (attachment.original_name, attachment.content_type) == ("foto.png", "image/png")

        page = text(web.get(response["Location"]))
        assert complaint.tracking_number in page
        token = re.search(r'id="access-code">([^<]+)<', page).group(1)
        assert hash_token(token) == complaint.access_token_hash
        link = f"http://testserver/lacak/{complaint.tracking_number}/akses/{token}/"
        assert f'<a href="{link}">' in page

        again = text(web.get(response["Location"]))
        assert complaint.tracking_number in again and token not in again
        assert "cannot be shown again" in again

        # The private link works in any browser and lands on the clean address.
        elsewhere = browser()
        landed = elsewhere.get(link)
        assert landed.status_code == 302
        assert landed["Location"] == track_url(complaint.tracking_number)
        assert "KTP-el belum jadi" in text(elsewhere.get(landed["Location"]))

    @pytest.mark.parametrize("overrides, field", [
        ({"reporter_email": "siti@"}, "reporter_email"),
        ({"attachments": [SimpleUploadedFile("catatan.txt", b"hello", "text/plain")]},
         "attachments"),
        ({"description": "  "}, "description"),
        ({"service": "no-such-service"}, "service"),
        ({"latitude": "123"}, "latitude"),
    ])
    def test_bad_input_re_renders_with_errors_by_the_field_and_creates_nothing(
        self, world, web, overrides, field
    ):
        response = web.post(reverse("citizen:submit"), form_data(world, **overrides))

        assert response.status_code == 400
        page = text(response)
        assert f'<ul class="errorlist" id="id_{field}_error">' in page
        assert re.search(rf'id="id_{field}"[^>]*aria-describedby="[^"]*id_{field}_error', page) \
            or re.search(rf'aria-describedby="[^"]*id_{field}_error[^"]*"[^>]*id="id_{field}"',
                         page)
        assert f'href="#id_{field}"' in page  # the summary links to the field
        assert "<title>Error:" in page
        assert Complaint.objects.count() == 0 and Event.objects.count() == 0

    def test_a_file_whose_type_is_refused_is_explained(self, world, web):
        upload = SimpleUploadedFile("catatan.txt", b"hello", "text/plain")
        page = text(web.post(reverse("citizen:submit"), form_data(world, attachments=[upload])))
        assert "Only these kinds of files are accepted: PDF, JPEG, PNG, GIF, WebP." in page
        assert "please choose your attachments again" in page
        # What the citizen typed is kept.
        assert "Sudah tiga bulan KTP-el saya belum dicetak." in page

    def test_too_many_files_are_refused_by_the_service(self, world, web):
        files = [SimpleUploadedFile(f"f{i}.png", PNG, "image/png") for i in range(6)]
        response = web.post(reverse("citizen:submit"), form_data(world, attachments=files))
        assert response.status_code == 400
        assert "You can attach at most 5 files." in text(response)
        assert Complaint.objects.count() == 0

    def test_posting_without_the_csrf_token_is_refused(self, world):
        client = browser(enforce_csrf_checks=True)
        response = client.post(reverse("citizen:submit"), form_data(world))
        assert response.status_code == 403
        assert Complaint.objects.count() == 0

    def test_submitted_page_of_a_complaint_this_browser_did_not_send_shows_nothing(
        self, world, submit, web
    ):
        complaint = submit().complaint
        response = web.get(reverse("citizen:submitted", args=[complaint.tracking_number]))
        assert response.status_code == 302
        assert "KTP-el" not in text(web.get(response["Location"]))


# --- finding a complaint --------------------------------------------------------------------

class TestFinding:
    def test_track_without_authorisation_shows_the_lookup_form_only(self, world, submit, web):
        complaint = submit().complaint
        number = complaint.tracking_number
        response = web.get(track_url(number))

        assert response.status_code == 200
        page = text(response)
        assert f'value="{number}"' in page  # the number, typed in for the citizen
        for private in ("KTP-el belum jadi", "Sudah tiga bulan", "Received", "badge",
                        "Dinas Kependudukan", "KTP elektronik"):
            assert private not in page

        # A number that does not exist gets the very same page.
        missing = new_tracking_number()
        other = text(web.get(track_url(missing)))
        assert csrf_free(other).replace(missing, number) == csrf_free(page)

    def test_proof_without_authorisation_shows_the_lookup_form_only(self, world, submit, web):
        complaint = submit().complaint
        page = text(web.get(reverse("citizen:proof", args=[complaint.tracking_number])))
        assert "KTP-el belum jadi" not in page and complaint.events.get().hash not in page
        assert 'name="then" value="proof"' in page

    def test_lookup_with_a_wrong_code_or_number_gives_one_generic_error(
        self, world, submit, web
    ):
        number = submit().complaint.tracking_number
        wrong_code = web.post(reverse("citizen:track_lookup"),
                              {"tracking_number": number, "access_code": "nope"})
        wrong_number = web.post(reverse("citizen:track_lookup"),
                                {"tracking_number": new_tracking_number(),
                                 "access_code": "nope"})
        for response in (wrong_code, wrong_number):
            assert response.status_code == 400
            assert GENERIC in text(response)
        assert "KTP-el" not in text(wrong_code)
        assert "KTP-el" not in text(web.get(track_url(number)))

    def test_lookup_with_the_right_code_opens_the_complaint(self, world, submit, web):
        submitted = submit()
        number = submitted.complaint.tracking_number
        response = web.post(reverse("citizen:track_lookup"), {
            "tracking_number": number.lower().replace("-", " "),
            "access_code": submitted.access_token})
        assert response.status_code == 302 and response["Location"] == track_url(number)
        assert "KTP-el belum jadi" in text(web.get(track_url(number)))

    def test_lookup_from_the_proof_page_returns_to_the_proof(self, world, submit, web):
        submitted = submit()
        number = submitted.complaint.tracking_number
        response = web.post(reverse("citizen:track_lookup"), {
            "tracking_number": number, "access_code": submitted.access_token,
            "then": "proof"})
        assert response["Location"] == reverse("citizen:proof", args=[number])

    def test_private_link_with_a_wrong_token_is_404_with_the_generic_error(
        self, world, submit, web
    ):
        number = submit().complaint.tracking_number
        response = web.get(reverse("citizen:track_link", args=[number, "wrong-token"]))
        assert response.status_code == 404
        assert GENERIC in text(response) and "KTP-el" not in text(response)
        assert "KTP-el" not in text(web.get(track_url(number)))

    def test_home_offers_both_ways_in(self, world, web):
        page = text(web.get(reverse("citizen:home")))
        assert page.count("<h1>") == 1
        assert f'href="{reverse("citizen:submit")}"' in page
        assert f'action="{reverse("citizen:track_lookup")}"' in page
        assert "csrfmiddlewaretoken" in page


# --- the track page -------------------------------------------------------------------------

@pytest.fixture
def budi(world):
    """An officer of the unit with a name no page text could contain by chance."""
    user = get_user_model().objects.create_user(username="budi.petugas7", password="x")
    Membership.objects.create(user=user, role=Role.OFFICER, agency=world.unit)
    return user


class TestTrack:
    def test_timeline_shows_the_citizens_story_without_staff_matters(
        self, world, submit, web, budi
    ):
        submitted = submit(now=MONDAY_9_WIB - dt.timedelta(days=7))
        complaint = submitted.complaint
        verify = complaint.clocks.get(name=ClockName.VERIFY)
        assert clock_warn(verify.pk, now=verify.warn_at + dt.timedelta(minutes=1))
        assert clock_breach(verify.pk, now=verify.due_at + dt.timedelta(minutes=1))
        reporter_for(complaint, Actor.staff(world.coordinator),
                     now=MONDAY_9_WIB - dt.timedelta(hours=2))
        complaint = complaint_transition(
            complaint=complaint, action=Action.ASSIGN, actor=Actor.staff(world.coordinator),
            payload={"unit": world.unit.code, "assignee": "budi.petugas7"},
            now=MONDAY_9_WIB - dt.timedelta(hours=1))
        for action in (Action.REQUEST_INFO, Action.PROVIDE_INFO, Action.RESPOND):
            role = Role.CITIZEN if action == Action.PROVIDE_INFO else "officer"
            actor = Actor.citizen(complaint) if role == Role.CITIZEN else Actor.staff(budi)
            complaint = complaint_transition(complaint=complaint, action=action, actor=actor,
                                             payload=valid_payload(action, world),
                                             now=MONDAY_9_WIB)
        assert {"identity_viewed", "clock_warning", "clock_breached"} <= set(
            complaint.events.values_list("action", flat=True))

        page = text(opened(web, complaint.tracking_number, submitted.access_token)
                    .get(track_url(complaint.tracking_number)))

        history = page.split("<h2>History</h2>")[1]
        titles = re.findall(r"<strong>([^<]+)</strong>", history)
        assert titles == [
            "Complaint received (Web)", "Verified and being handled by Bidang KTP",
            "The officer asked you for more information", "You sent the requested information",
            "The agency answered your complaint",
        ]
        assert "Mohon kirim nomor registrasi." in history
        assert "KTP-el sudah dicetak dan dapat diambil." in history
        assert "Monday, 2 February 2026 09:00 WIB" in history
        for hidden in ("identity", "clock_", "Overdue", "budi.petugas7", "coordinator",
                       "Siti Rahayu", "siti@example.id"):
            assert hidden not in history, hidden
        assert "budi.petugas7" not in page and "Siti Rahayu" not in page
        assert "Handled by</dt>\n    <dd>Bidang KTP</dd>" in page

    @pytest.mark.parametrize("steps, payloads, expected", [
        ([(Action.REJECT, "coordinator")], {}, ["Not processed: Spam or abusive"]),
        ([(Action.REFER, "coordinator")], {}, ["Referred to Kantor Imigrasi"]),
        ([(Action.REFER, "coordinator")], {Action.REFER: {"service": "parkir", "note": "Dishub."}},
         ["Referred to Dinas Perhubungan", "Dishub.", "It continues there as complaint "]),
        ([(Action.ASSIGN, "coordinator"), (Action.EXTEND, "supervisor")], {},
         ["The deadline “First response” was extended by 3 working days", "Menunggu pusat.",
          "New deadline: Thursday, 12 February 2026"]),
        ([(Action.ASSIGN, "coordinator"), (Action.RESPOND, "officer"),
          (Action.DISPUTE, Role.CITIZEN), (Action.RESPOND, "officer"),
          (Action.ACCEPT, Role.CITIZEN)], {},
         ["You disputed the answer", "Belum bisa diambil.",
          "You accepted the answer and rated it 5 of 5", "Terima kasih."]),
        ([(Action.WITHDRAW, Role.CITIZEN)], {},
         ["You withdrew the complaint", "Sudah selesai sendiri."]),
    ])
    def test_timeline_tells_each_outcome(self, world, submit, web, steps, payloads, expected):
        submitted = submit()
        complaint = submitted.complaint
        for minutes, (action, role) in enumerate(steps, start=1):
            complaint = complaint_transition(
                complaint=complaint, action=action, actor=world.actor(role, complaint),
                payload=payloads.get(action) or valid_payload(action, world),
                now=MONDAY_9_WIB + dt.timedelta(minutes=minutes))
        opened(web, complaint.tracking_number, submitted.access_token)
        response = web.get(track_url(complaint.tracking_number))
        assert response.status_code == 200
        history = text(response).split("<h2>History</h2>")[1]
        for words in expected:
            assert words in history, words

    def test_timeline_tells_a_closure_for_want_of_a_reply(self, world, submit, web):
        submitted = submit()
        complaint = drive(world, submitted.complaint, (Action.ASSIGN, "coordinator"),
                          (Action.RESPOND, "officer"))
        window = complaint.clocks.get(name=ClockName.REPLY_WINDOW)
        later = window.due_at + dt.timedelta(minutes=1)
        complaint_transition(complaint=complaint, action=Action.AUTO_CLOSE,
                             actor=world.actor(Role.SYSTEM), now=later)
        with time_machine.travel(later, tick=False):
            opened(web, complaint.tracking_number, submitted.access_token)
            page = text(web.get(track_url(complaint.tracking_number)))
        assert "Closed: no reply was received within the time to accept or dispute" in page
        assert "No deadline is running." in page
        assert "What you can do now" not in page

    def test_deadlines_are_in_words_with_the_agency_dates(self, world, submit, web):
        submitted = submit()
        number = submitted.complaint.tracking_number
        page = text(opened(web, number, submitted.access_token).get(track_url(number)))
        assert "verified by Thursday, 5 February 2026" in page
        assert "first answer by law by Monday, 16 February 2026" in page
        assert "settled by Friday, 3 April 2026" in page
        assert '<span class="badge running">On time</span>' in page

    def test_deadlines_use_djangos_indonesian_day_and_month_names(self, world, submit):
        submitted = submit()
        number = submitted.complaint.tracking_number
        client = opened(browser("id"), number, submitted.access_token)
        page = text(client.get(track_url(number)))
        assert "Kamis, 5 Februari 2026" in page
        assert "Senin, 2 Februari 2026" in page
        assert '<html lang="id">' in page

    def test_user_text_is_escaped_on_track_and_proof(self, world, submit, web):
        submitted = submit(title="<b>judul</b>",
                           description='<script>alert("x")</script>\nbaris dua')
        number = submitted.complaint.tracking_number
        opened(web, number, submitted.access_token)
        for url in (track_url(number), reverse("citizen:proof", args=[number])):
            page = text(web.get(url))
            assert '<script>alert("x")</script>' not in page
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>baris dua" in page
            assert "<b>judul</b>" not in page and "&lt;b&gt;judul&lt;/b&gt;" in page

    def test_only_the_actions_allowed_now_have_forms(self, world, submit, web):
        submitted = submit()
        complaint, number = submitted.complaint, submitted.complaint.tracking_number
        opened(web, number, submitted.access_token)

        def forms() -> set[str]:
            page = text(web.get(track_url(number)))
            return set(re.findall(rf'action="/lacak/{number}/aksi/([a-z_]+)/"', page))

        assert forms() == {"withdraw"}
        drive(world, complaint, (Action.ASSIGN, "coordinator"),
              (Action.REQUEST_INFO, "officer"))
        assert forms() == {"provide_info", "withdraw"}
        drive(world, Complaint.objects.get(pk=complaint.pk), (Action.PROVIDE_INFO, Role.CITIZEN),
              (Action.RESPOND, "officer"), start=SOON + dt.timedelta(minutes=10))
        assert forms() == {"accept", "dispute"}

    def test_query_count_does_not_grow_with_the_events(self, world, submit, web,
                                                       django_assert_max_num_queries):
        def complaint_with(steps: list[tuple[str, str]]) -> str:
            submitted = submit()
            drive(world, submitted.complaint, *steps)
            number = submitted.complaint.tracking_number
            opened(web, number, submitted.access_token)
            return number

        few = complaint_with([(Action.ASSIGN, "coordinator"), (Action.REQUEST_INFO, "officer")])
        many = complaint_with([
            (Action.ASSIGN, "coordinator"), (Action.REASSIGN, "coordinator"),
            (Action.REQUEST_INFO, "second_officer"), (Action.PROVIDE_INFO, Role.CITIZEN),
            (Action.REQUEST_INFO, "second_officer"), (Action.PROVIDE_INFO, Role.CITIZEN),
            (Action.REQUEST_INFO, "second_officer")])
        assert Event.objects.filter(complaint__tracking_number=few).count() == 3
        assert Event.objects.filter(complaint__tracking_number=many).count() == 8

        counts = []
        for number in (few, many):
            with CaptureQueriesContext(connection) as queries:
                assert web.get(track_url(number)).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]
        # 1 the session, 2 the complaint with its relations, 3 its clocks, 4 its events,
        # 5 the names of the units in the timeline. (Answered complaints add two: the reply
        # window that decides whether accept and dispute are open.)
        with django_assert_max_num_queries(5):
            web.get(track_url(many))


# --- the citizen's actions ------------------------------------------------------------------

class TestActions:
    @pytest.fixture
    def opened_in(self, world, submit, web):
        """A complaint driven into `state` (assigned with an open information request, or
        responded), opened by `web`."""

        def make(state: str) -> Complaint:
            submitted = submit()
            steps = [(Action.ASSIGN, "coordinator")]
            steps.append((Action.REQUEST_INFO, "officer") if state == "waiting"
                         else (Action.RESPOND, "officer"))
            complaint = drive(world, submitted.complaint, *steps)
            opened(web, complaint.tracking_number, submitted.access_token)
            return complaint

        return make

    def test_provide_info(self, world, web, opened_in):
        complaint = opened_in("waiting")
        number = complaint.tracking_number
        response = web.post(act_url(number, "provide_info"),
                            {"provide_info-message": "Nomor registrasi 12345."})
        assert response.status_code == 302 and response["Location"] == track_url(number)
        complaint.refresh_from_db()
        assert complaint.pending_info_request == ""
        assert complaint.events.last().payload == {"message": "Nomor registrasi 12345."}
        page = text(web.get(track_url(number)))
        assert "Your information was sent to the officer" in page
        assert 'class="message success"' in page

    def test_dispute(self, world, web, opened_in):
        complaint = opened_in("responded")
        response = web.post(act_url(complaint.tracking_number, "dispute"),
                            {"dispute-reason": "Belum bisa diambil."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.state == State.ASSIGNED and complaint.dispute_count == 1

    def test_accept_with_a_rating_stores_the_feedback(self, world, web, opened_in):
        complaint = opened_in("responded")
        page = text(web.get(track_url(complaint.tracking_number)))
        assert "<legend>How satisfied are you with the handling of your complaint?</legend>" \
            in page
        response = web.post(act_url(complaint.tracking_number, "accept"),
                            {"accept-rating": "4", "accept-comment": "Cepat."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.state == State.CLOSED and complaint.closure_reason == "resolved"
        feedback = Feedback.objects.get(complaint=complaint)
        assert (feedback.rating, feedback.comment) == (4, "Cepat.")

    def test_accept_without_a_rating_shows_the_error_by_the_field(self, world, web, opened_in):
        complaint = opened_in("responded")
        response = web.post(act_url(complaint.tracking_number, "accept"), {"accept-rating": "9"})
        assert response.status_code == 400
        page = text(response)
        assert 'href="#id_accept-rating_0"' in page
        assert 'aria-describedby="id_accept-rating_error"' in page
        complaint.refresh_from_db()
        assert complaint.state == State.RESPONDED

    def test_withdraw_needs_the_confirmation(self, world, web, opened_in):
        complaint = opened_in("waiting")
        number = complaint.tracking_number
        refused = web.post(act_url(number, "withdraw"), {"withdraw-reason": "Selesai."})
        assert refused.status_code == 400
        done = web.post(act_url(number, "withdraw"),
                        {"withdraw-reason": "Selesai.", "withdraw-confirm": "on"})
        assert done.status_code == 302
        complaint.refresh_from_db()
        assert complaint.state == State.CLOSED and complaint.closure_reason == "withdrawn"

    @pytest.mark.parametrize("action, data, status, message", [
        ("accept", {"accept-rating": "5"}, 409,
         "“Accept the response” is not possible now: your complaint is “Received”."),
        ("assign", {}, 403, "“Assign” is not something you can do on this complaint."),
        ("frobnicate", {}, 400, "This action does not exist."),
    ])
    def test_an_action_not_allowed_is_explained_without_a_500(
        self, world, submit, web, action, data, status, message
    ):
        submitted = submit()
        number = submitted.complaint.tracking_number
        opened(web, number, submitted.access_token)
        response = web.post(act_url(number, action), data)
        assert response.status_code == status
        page = text(response)
        assert message in page and 'class="message error"' in page
        assert "KTP-el belum jadi" in page  # still the track page
        assert Event.objects.count() == 1

    def test_acting_needs_the_session_authorisation(self, world, submit, web):
        number = submit().complaint.tracking_number
        assert web.post(act_url(number, "withdraw"),
                        {"withdraw-confirm": "on"}).status_code == 404
        assert Complaint.objects.get().state == State.RECEIVED

    def test_acting_needs_a_post_with_the_csrf_token(self, world, submit):
        submitted = submit()
        number = submitted.complaint.tracking_number
        client = opened(browser(enforce_csrf_checks=True), number, submitted.access_token)
        assert client.get(act_url(number, "withdraw")).status_code == 405
        assert client.post(act_url(number, "withdraw"),
                           {"withdraw-confirm": "on"}).status_code == 403
        assert Complaint.objects.get().state == State.RECEIVED


# --- the proof ------------------------------------------------------------------------------

class TestProof:
    def test_proof_carries_what_the_ombudsman_checks(self, world, submit, web):
        upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
        submitted = submit(attachments=[upload], channel="web")
        complaint = drive(world, submitted.complaint, (Action.ASSIGN, "coordinator"))
        opened(web, complaint.tracking_number, submitted.access_token)

        page = text(web.get(reverse("citizen:proof", args=[complaint.tracking_number])))

        first, last = complaint.events.order_by("seq")
        assert first.action == "submit"
        assert first.hash in page and last.hash in page
        for fact in (complaint.tracking_number, "Dinas Kependudukan", "KTP elektronik",
                     "version 1", "UU 25/2009 tentang Pelayanan Publik",
                     "Monday, 2 February 2026 09:00 WIB", "Web", "KTP-el belum jadi",
                     "Thursday, 5 February 2026 23:59 WIB",
                     "Monday, 16 February 2026 23:59 WIB",
                     "Friday, 3 April 2026 23:59 WIB", Attachment.objects.get().sha256,
                     "data-print hidden", "js/citizen.js"):
            assert fact in page, fact
        assert page.count("<h1>") == 1

    def test_proof_keeps_the_deadlines_set_on_receipt_when_a_pause_moved_them(
        self, world, submit, web
    ):
        submitted = submit()
        complaint = drive(world, submitted.complaint, (Action.ASSIGN, "coordinator"),
                          (Action.REQUEST_INFO, "officer"))
        # The citizen answers three days later: the resolution deadline moves by three days.
        complaint_transition(complaint=complaint, action=Action.PROVIDE_INFO,
                             actor=Actor.citizen(complaint),
                             payload=valid_payload(Action.PROVIDE_INFO, world),
                             now=MONDAY_9_WIB + dt.timedelta(days=3))
        opened(web, complaint.tracking_number, submitted.access_token)

        page = text(web.get(reverse("citizen:proof", args=[complaint.tracking_number])))

        assert "<td>Friday, 3 April 2026 23:59 WIB" in page
        assert "now due Monday, 6 April 2026 23:59 WIB" in page
        assert "moved by the time spent waiting for information from you" in page


def test_guessing_numbers_and_codes_is_throttled_per_address(world, client, monkeypatch):
    from api.throttles import CitizenThrottle

    monkeypatch.setattr(CitizenThrottle, "THROTTLE_RATES", {"citizen": "2/hour"})
    from django.core.cache import cache

    cache.clear()
    url = reverse("citizen:track_lookup")
    codes = [client.post(url, {"tracking_number": "AAAAA-AAAAA", "access_code": "x" * 10}
                         ).status_code for _ in range(3)]
    assert codes[-1] == 429
