"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Without /usr/bin/chromium they are skipped, unless REQUIRE_BROWSER=1 (as in CI) makes that
a failure. Screenshots of the main pages go to test-output/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def person(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) per person, opened on the live server."""
    contexts = []

    def open_as(*, width: int = 1200, language: str = "id") -> Any:
        context = chromium.new_context(base_url=live_server.url,
                                       viewport={"width": width, "height": 900},
                                       locale=language)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, username: str, password: str = "x") -> None:
    page.goto("/staff/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form[action$='/staff/masuk/'] button[type=submit]").click()
    page.wait_for_url("**/staff/**")
