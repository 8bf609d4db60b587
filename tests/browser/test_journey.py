"""The whole journey in a real browser, and the page-level promises: identity never shown
to the handling unit of an anonymous complaint, user text never run as script, the language
switch, and no horizontal scrolling at 375 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from complaints.models import Complaint
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_submit, complaint_transition
from workflow.states import Action, ClockName, Role, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def day_in_indonesian(complaint: Complaint, clock_name: str) -> str:
    """How the page must name the deadline's day: "Kamis, 5 Februari 2026"."""
    clock = complaint.clocks.filter(name=clock_name, stopped_at__isnull=True).latest("cycle")
    local = timezone.localtime(clock.due_at, complaint.agency.zone)
    with translation.override("id"):
        return date_format(local, "l, j F Y")


def state_label(state: State, language: str = "id") -> str:
    with translation.override(language):
        return str(state.label)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def submit_form(page: Any, action: str) -> None:
    page.locator(f"form[action$='/aksi/{action}/'] button[type=submit]").click()
    page.wait_for_load_state()


def test_the_whole_journey(world, person):
    citizen, coordinator, officer = person(), person(), person()

    # The citizen picks the service, sees its standard and deadlines, and submits.
    citizen.goto("/ajukan/?service=ktp-el")
    assert "3" in citizen.inner_text("main")  # the verify deadline, in working days
    screenshot(citizen, "citizen-submit")
    citizen.fill("#id_title", "KTP-el belum jadi")
    citizen.fill("#id_description", "Sudah tiga bulan KTP-el saya belum dicetak.")
    citizen.check("input[name=visibility][value=public]")
    citizen.fill("#id_reporter_name", "Siti Rahayu")
    citizen.fill("#id_reporter_email", "siti@example.id")
    citizen.locator("form[action$='/ajukan/'] button[type=submit]").click()
    citizen.wait_for_url(re.compile(r"/ajukan/terkirim/"))
    number = citizen.inner_text(".tracking-number").strip()
    assert len(citizen.inner_text("#access-code").strip()) >= 32
    screenshot(citizen, "citizen-submitted")
    complaint = Complaint.objects.get(tracking_number=number)
    assert (complaint.state, complaint.channel) == (State.RECEIVED, "web")

    citizen.goto(f"/lacak/{number}/")
    page = citizen.inner_text("main")
    assert state_label(State.RECEIVED) in page
    assert day_in_indonesian(complaint, ClockName.VERIFY) in page

    # The coordinator finds it in the queue of new complaints and assigns it.
    sign_in(coordinator, "coordinator")
    assert number in coordinator.inner_text("main")
    screenshot(coordinator, "staff-queue")
    coordinator.goto(f"/staff/complaints/{number}/")
    coordinator.select_option("#id_assign_unit", str(world.unit.pk))
    coordinator.select_option("#id_assign_assignee", str(world.officer.pk))
    coordinator.select_option("#id_assign_complexity", "normatif")
    coordinator.locator("#action-assign button[type=submit]").click()
    coordinator.wait_for_load_state()
    assert fresh(complaint).state == State.ASSIGNED
    assert day_in_indonesian(complaint, ClockName.FIRST_RESPONSE) in coordinator.inner_text(
        "main")
    screenshot(coordinator, "staff-detail")

    # The officer asks for information; the citizen sees the question and its deadline.
    sign_in(officer, "officer")
    assert number in officer.inner_text("main")
    officer.goto(f"/staff/complaints/{number}/")
    officer.fill("#id_request_info_message", "Mohon kirim nomor registrasi KTP-el Anda.")
    officer.locator("#action-request_info button[type=submit]").click()
    officer.wait_for_load_state()

    citizen.goto(f"/lacak/{number}/")
    page = citizen.inner_text("main")
    assert "Mohon kirim nomor registrasi KTP-el Anda." in page
    assert day_in_indonesian(complaint, ClockName.INFO_WAIT) in page
    screenshot(citizen, "citizen-track")
    citizen.fill("#id_provide_info-message", "Nomor registrasi 3273-0001.")
    submit_form(citizen, "provide_info")
    assert fresh(complaint).pending_info_request == ""

    # The officer responds; the citizen sees the answer and the reply window, and disputes.
    officer.goto(f"/staff/complaints/{number}/")
    assert "Nomor registrasi 3273-0001." in officer.inner_text("main")
    officer.fill("#id_respond_response", "KTP-el Anda sudah dicetak.")
    officer.locator("#action-respond button[type=submit]").click()
    officer.wait_for_load_state()

    citizen.goto(f"/lacak/{number}/")
    page = citizen.inner_text("main")
    assert "KTP-el Anda sudah dicetak." in page
    assert state_label(State.RESPONDED) in page
    assert day_in_indonesian(complaint, ClockName.REPLY_WINDOW) in page
    citizen.fill("#id_dispute-reason", "Di kantor kecamatan belum ada.")
    submit_form(citizen, "dispute")
    assert (fresh(complaint).state, fresh(complaint).dispute_count) == (State.ASSIGNED, 1)

    # The officer answers again (a new first-response cycle); the citizen accepts.
    officer.goto(f"/staff/complaints/{number}/")
    assert "Di kantor kecamatan belum ada." in officer.inner_text("main")
    assert day_in_indonesian(complaint, ClockName.FIRST_RESPONSE) in officer.inner_text("main")
    officer.fill("#id_respond_response", "Sudah dikirim ke kecamatan, silakan diambil.")
    officer.locator("#action-respond button[type=submit]").click()
    officer.wait_for_load_state()

    citizen.goto(f"/lacak/{number}/")
    assert "Sudah dikirim ke kecamatan, silakan diambil." in citizen.inner_text("main")
    citizen.check("input[name='accept-rating'][value='5']")
    citizen.fill("#id_accept-comment", "Terima kasih.")
    submit_form(citizen, "accept")
    done = fresh(complaint)
    assert (done.state, done.closure_reason, done.feedback.rating) == (
        State.CLOSED, "resolved", 5)
    assert state_label(State.CLOSED) in citizen.inner_text("main")

    citizen.goto(f"/lacak/{number}/bukti/")
    assert number in citizen.inner_text("main")
    screenshot(citizen, "citizen-proof")
    coordinator.goto("/staff/dasbor/")
    screenshot(coordinator, "staff-dashboard")
    citizen.goto("/statistik/")
    screenshot(citizen, "public-statistics")


def _submitted(world: Any, **fields: Any) -> Any:
    return complaint_submit(actor=Actor(kind="citizen"), service=world.service,
                            title=fields.pop("title", "Antrean"), **fields)


def test_anonymous_identity_never_reaches_the_officers_pages(world, person):
    submitted = _submitted(world, description="Petugas meminta uang.", visibility="anonymous",
                           reporter={"name": "Nama Rahasia Sekali", "email": "rahasia@ex.id"})
    complaint_transition(complaint=submitted.complaint, action=Action.ASSIGN,
                         actor=world.actor(Role.COORDINATOR),
                         payload=valid_payload(Action.ASSIGN, world))
    number = submitted.complaint.tracking_number
    officer = person()
    sign_in(officer, "officer")
    for path in ("/staff/", f"/staff/complaints/{number}/", f"/staff/complaints/{number}/pelapor/"):
        officer.goto(path)
        html = officer.content()
        assert "Nama Rahasia Sekali" not in html and "rahasia@ex.id" not in html
    buttons = officer.locator(f"form[action$='/complaints/{number}/pelapor/'] button")
    if buttons.count():
        buttons.first.click()
        officer.wait_for_load_state()
        assert "Nama Rahasia Sekali" not in officer.content()
    assert not submitted.complaint.events.filter(action="identity_viewed").exists()


XSS = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'


def test_script_in_a_description_is_shown_as_text_and_never_runs(world, person):
    submitted = _submitted(world, description=f"Tolong {XSS}", title=f"Judul {XSS}")
    number = submitted.complaint.tracking_number
    citizen, coordinator = person(), person()
    citizen.goto(f"/lacak/{number}/akses/{submitted.access_token}/")
    sign_in(coordinator, "coordinator")
    coordinator.goto(f"/staff/complaints/{number}/")
    for page in (citizen, coordinator):
        assert page.evaluate("window.__xss") is None
        assert "<script>window.__xss = 1</script>" in page.inner_text("main")


def test_language_switch(world, person):
    page = person()
    page.goto("/")
    assert page.get_attribute("html", "lang") == "id"
    page.locator("form.language button[value=en]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "Submit a complaint" in page.inner_text("header")
    page.goto("/lacak/")
    assert page.get_attribute("html", "lang") == "en"
    page.locator("form.language button[value=id]").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "id"
    with translation.override("id"):
        assert str(translation.gettext("Submit a complaint")) in page.inner_text("header")


def _no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_pages_fit_a_375_px_phone(world, person, complaint_in):
    submitted = _submitted(world, description="Jalan rusak " * 40,
                           reporter={"name": "Siti", "email": "siti@example.id"})
    number = submitted.complaint.tracking_number
    complaint_in(State.RESPONDED)
    phone = person(width=375)
    pages = ["/", "/ajukan/", "/lacak/", "/statistik/",
             f"/lacak/{number}/akses/{submitted.access_token}/", f"/lacak/{number}/bukti/"]
    for path in pages:
        phone.goto(path)
        assert _no_horizontal_scroll(phone), path
    screenshot(phone, "phone-track")
    staff = person(width=375)
    sign_in(staff, "coordinator")
    for path in ("/staff/", f"/staff/complaints/{number}/", "/staff/dasbor/", "/staff/catat/"):
        staff.goto(path)
        assert _no_horizontal_scroll(staff), path
    screenshot(staff, "phone-staff-detail")


def test_keyboard_reaches_the_submit_form_with_a_visible_focus(world, person):
    page = person()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "/ajukan/":
            break
    else:
        pytest.fail("the submit link cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ajukan/$"))

