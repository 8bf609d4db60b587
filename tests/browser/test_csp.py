"""Every main page under the Content-Security-Policy, in a real browser: no violation (each
`securitypolicyviolation` event is recorded in `window.__csp` by an init script), no error
in the console, the page's own scripts still run, and the charts are drawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import valid_payload
from workflow.permissions import Actor
from workflow.services import complaint_submit, complaint_transition
from workflow.states import Action, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push({directive: event.effectiveDirective, blocked: event.blockedURI,
                     source: event.sourceFile, line: event.lineNumber});
});
"""

# Redoc's sidebar always shows Redocly's logo from its CDN; the policy blocks that request on
# purpose (nothing leaves for a CDN) and Redoc then hides the image itself.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

# Every chart box of the page has a Chart.js instance, and its canvas has width and ink.
CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll("[data-chart] canvas")];
  return canvases.length > 0 && canvases.every((canvas) => {
    if (!window.Chart || !Chart.getChart(canvas) || canvas.width === 0) return false;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
    return false;
  });
}"""


class Watched:
    """A page that records CSP violations and console errors of everything it loads."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # Chromium asks for /favicon.ico, which the app does not serve; that 404 is no error
        # of a page.
        if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"):
            self.errors.append(message.text)

    def visit(self, path: str, *, allowed: tuple[str, ...] = ()) -> None:
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path, allowed=allowed)

    def assert_clean(self, where: str, *, allowed: tuple[str, ...] = ()) -> None:
        violations = [v for v in self.page.evaluate("window.__csp || []")
                      if v["blocked"] not in allowed]
        errors = [e for e in self.errors if not any(a in e for a in allowed)]
        assert (violations, errors) == ([], []), where
        self.errors.clear()


@pytest.fixture(autouse=True)
def fresh_statistics():
    cache.clear()  # the public statistics are kept a minute in the shared cache
    yield
    cache.clear()


@pytest.fixture
def complaints(world: Any) -> tuple[str, str]:
    """Some complaints received now, in several states, so that every chart has bars; the
    tracking number and access token of one of them."""
    citizen = Actor(kind="citizen")
    submitted = [complaint_submit(actor=citizen, service=service, title=f"Aduan {n}",
                                  description="Antrean panjang sekali.",
                                  reporter={"name": "Siti", "email": "siti@example.id"})
                 for n, service in enumerate([world.service] * 3 + [world.other_service])]
    for one in submitted[:2]:
        complaint_transition(complaint=one.complaint, action=Action.ASSIGN,
                             actor=world.actor(Role.COORDINATOR),
                             payload=valid_payload(Action.ASSIGN, world))
    complaint_transition(complaint=submitted[0].complaint, action=Action.RESPOND,
                         actor=world.actor(Role.OFFICER),
                         payload=valid_payload(Action.RESPOND, world))
    return submitted[0].complaint.tracking_number, submitted[0].access_token


def test_citizen_pages_run_under_the_policy(world, complaints, person):
    number, token = complaints
    citizen = Watched(person())
    for path in ("/", "/lacak/"):
        citizen.visit(path)

    citizen.visit("/ajukan/")
    # citizen.js runs: choosing a service shows its standard.
    citizen.page.select_option("#id_service", world.service.code)
    assert "KTP elektronik" in citizen.page.inner_text("#standard-selected")
    citizen.assert_clean("/ajukan/ after choosing a service")

    citizen.visit(f"/lacak/{number}/akses/{token}/")
    assert citizen.page.url.endswith(f"/lacak/{number}/")
    screenshot(citizen.page, "csp-citizen-track")
    citizen.visit(f"/lacak/{number}/bukti/")
    assert citizen.page.locator("[data-print] button").is_visible()  # revealed by citizen.js

    citizen.visit("/statistik/")
    citizen.page.wait_for_function(CHARTS_DRAWN)
    citizen.assert_clean("/statistik/ with its charts drawn")
    assert citizen.page.locator("[data-chart] canvas").count() >= 3
    screenshot(citizen.page, "csp-public-statistics")


def test_staff_pages_run_under_the_policy(world, complaints, person):
    number, _ = complaints
    staff = Watched(person())
    staff.visit("/staff/masuk/")
    sign_in(staff.page, "coordinator")  # a form post and a redirect: form-action 'self'
    staff.assert_clean("sign-in")
    for path in ("/staff/", f"/staff/complaints/{number}/", "/staff/catat/"):
        staff.visit(path)
    staff.visit("/staff/dasbor/")
    staff.page.wait_for_function(CHARTS_DRAWN)
    staff.assert_clean("/staff/dasbor/ with its charts drawn")
    screenshot(staff.page, "csp-staff-dashboard")


def test_api_docs_run_under_their_policy(world, person):
    reader = Watched(person())
    reader.visit("/api/docs/")
    reader.page.wait_for_selector("#swagger-ui .opblock")
    assert "/api/v1/complaints/" in reader.page.inner_text("#swagger-ui")
    reader.assert_clean("/api/docs/ drawn")

    reader.visit("/api/redoc/", allowed=(REDOC_LOGO,))
    reader.page.wait_for_selector("redoc h1")
    reader.page.fill("input[placeholder='Search...']", "complaints")  # its worker searches
    reader.page.wait_for_selector("[data-role='search:results'] li, .search-results li")
    reader.assert_clean("/api/redoc/ drawn and searched", allowed=(REDOC_LOGO,))
    screenshot(reader.page, "csp-redoc")


def test_lockout_and_admin_pages_run_under_the_policy(world, person):
    page = Watched(person(language="en"))
    page.visit("/admin/login/")
    for _ in range(5):  # AXES_FAILURE_LIMIT: the fifth failure shows the lockout page
        page.page.fill("#id_username", "coordinator")
        page.page.fill("#id_password", "wrong")
        page.page.locator("#login-form [type=submit]").click()
        page.page.wait_for_load_state()
    assert "Sign-in paused" in page.page.inner_text("main")
    # The page's own status (429 Too Many Requests) is the one error the console shows.
    page.assert_clean("the lockout page", allowed=("status of 429",))
    screenshot(page.page, "csp-lockout")
