"""Sign-in lockout (django-axes): five failures for one username from one address pause
sign-in for that pair for an hour, on the staff sign-in and the admin alike; a success
resets the count; the address is the one the API throttles see behind NUM_PROXIES."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import MONDAY_9_WIB

STAFF_LOGIN = reverse("staff:login")
ADMIN_LOGIN = reverse("admin:login")
LIMIT = 5  # AXES_FAILURE_LIMIT's default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_9_WIB, tick=False) as traveller:
        yield traveller


def browser(address: str = "203.0.113.7", **headers: Any) -> Client:
    return Client(REMOTE_ADDR=address, headers={"accept-language": "en", **headers})


def sign_in(client: Client, username: str, password: str, url: str = STAFF_LOGIN) -> Any:
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, url: str = STAFF_LOGIN) -> Any:
    response = None
    for _ in range(times):
        response = sign_in(client, username, "wrong", url)
    return response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def is_lockout(response: Any) -> bool:
    return response.status_code == 429 and "staff/locked_out.html" in [
        t.name for t in response.templates]


def test_the_settings_are_the_documented_defaults():
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME) == (
        LIMIT, dt.timedelta(hours=1))
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_failures_below_the_limit_leave_sign_in_open(world):
    client = browser()
    response = fail(client, "coordinator", LIMIT - 1)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = sign_in(client, "coordinator", "x")
    assert response.status_code == 302 and signed_in(client)


def test_the_fifth_failure_shows_the_lockout_page_and_the_right_password_is_refused(world):
    client = browser()
    fail(client, "coordinator", LIMIT - 1)
    response = fail(client, "coordinator", 1)
    assert is_lockout(response)
    body = response.content.decode()
    assert "Sign-in paused" in body
    assert "signing in is paused for 1 hour." in body
    assert "Content-Security-Policy" in response.headers

    response = sign_in(client, "coordinator", "x")
    assert is_lockout(response) and not signed_in(client)
    assert client.get(STAFF_LOGIN).status_code == 200  # the page itself still opens


def test_the_lockout_ends_after_the_cool_off(world, frozen):
    client = browser()
    fail(client, "coordinator", LIMIT)
    frozen.shift(dt.timedelta(minutes=59))
    assert is_lockout(sign_in(client, "coordinator", "x"))
    # That attempt restarted the hour: past the first hour, still paused.
    frozen.shift(dt.timedelta(minutes=2))
    assert is_lockout(sign_in(client, "coordinator", "x"))
    frozen.shift(dt.timedelta(minutes=61))
    response = sign_in(client, "coordinator", "x")
    assert response.status_code == 302 and signed_in(client)


def test_a_success_resets_the_count(world):
    client = browser()
    fail(client, "coordinator", LIMIT - 1)
    assert sign_in(client, "coordinator", "x").status_code == 302
    client.post(reverse("staff:logout"))
    assert fail(client, "coordinator", LIMIT - 1).status_code == 200
    assert sign_in(client, "coordinator", "x").status_code == 302


def test_the_lock_holds_one_username_from_one_address_only(world):
    fail(browser("203.0.113.7"), "coordinator", LIMIT)
    # The same officer from elsewhere (an outsider cannot lock them out from anywhere) ...
    elsewhere = browser("198.51.100.20")
    assert sign_in(elsewhere, "coordinator", "x").status_code == 302
    # ... and another officer from the same address still sign in.
    colleague = browser("203.0.113.7")
    assert sign_in(colleague, "officer", "x").status_code == 302
    assert is_lockout(sign_in(browser("203.0.113.7"), "coordinator", "x"))


def test_the_admin_sign_in_is_guarded_by_the_same_count(world):
    client = browser()
    fail(client, "administrator", LIMIT - 1, ADMIN_LOGIN)
    assert is_lockout(fail(client, "administrator", 1, ADMIN_LOGIN))
    assert is_lockout(sign_in(client, "administrator", "x", ADMIN_LOGIN))
    # Failures anywhere count for the pair everywhere: the staff sign-in is closed too.
    assert is_lockout(sign_in(client, "administrator", "x"))
    assert not signed_in(client)


def test_failures_at_the_staff_and_admin_sign_in_add_up(world):
    client = browser()
    fail(client, "administrator", 3)
    assert is_lockout(fail(client, "administrator", 2, ADMIN_LOGIN))


def test_behind_proxies_the_client_address_is_the_throttles_one(world, settings):
    # One proxy in front: it appends the address it saw, so only the last entry is trusted.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    first = browser(proxy, x_forwarded_for="192.0.2.99, 203.0.113.7")
    fail(first, "coordinator", LIMIT)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "coordinator", "203.0.113.7", LIMIT)
    # Another citizen behind the same proxy is someone else; a forged first entry changes
    # nothing for the locked-out client.
    assert sign_in(browser(proxy, x_forwarded_for="198.51.100.20"),
                   "coordinator", "x").status_code == 302
    forged = browser(proxy, x_forwarded_for="198.51.100.20, 203.0.113.7")
    assert is_lockout(sign_in(forged, "coordinator", "x"))


def test_without_proxies_a_forwarded_header_is_ignored(world):
    fail(browser("203.0.113.7", x_forwarded_for="192.0.2.1"), "coordinator", LIMIT)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    other_claim = browser("203.0.113.7", x_forwarded_for="192.0.2.2")
    assert is_lockout(sign_in(other_claim, "coordinator", "x"))
