"""The production settings, as a deployment starts them: `check --deploy` has nothing to say,
start-up is refused without a real SECRET_KEY and ALLOWED_HOSTS or with a malformed value,
and development (DEBUG=1, `make run`) stays on plain HTTP.

Each case starts a fresh Python with `config.settings` and only the environment it names,
since settings are read once, at start-up."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import _proxy_ssl_header

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "0", "ALLOWED_HOSTS": "aduan.example.go.id"}

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "AXES_FAILURE_LIMIT")}
    | {"AXES_COOLOFF_HOURS": s.AXES_COOLOFF_TIME.total_seconds() / 3600}))
"""


def secret_key() -> str:
    return secrets.token_urlsafe(50)  # 67 random characters


def run(args: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project with `config.settings` and only these variables."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


def settings_with(**environment: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(**environment: str) -> str:
    """The message start-up fails with."""
    result = run(["-c", "import django; django.setup()"], **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("extra", [
    {},
    {"SECURE_HSTS_PRELOAD": "1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
     "NUM_PROXIES": "1", "DATABASE_URL": "postgres://aduan:secret@db:5432/aduan"},
], ids=["minimal", "behind-a-proxy-with-preload"])
def test_check_deploy_is_clean_with_production_settings(extra):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 SECRET_KEY=secret_key(), **PRODUCTION, **extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout and "(security." not in result.stdout + result.stderr


def test_production_defaults():
    assert settings_with(SECRET_KEY=secret_key(), **PRODUCTION) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "AXES_FAILURE_LIMIT": 5,
        "AXES_COOLOFF_HOURS": 1.0,
    }


def test_development_stays_on_plain_http():
    # What `make run` sets: no secrets, and http://127.0.0.1:8000 must keep working.
    shown = settings_with(DEBUG="1")
    assert (shown["DEBUG"], shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"],
            shown["SESSION_COOKIE_SECURE"], shown["CSRF_COOKIE_SECURE"]) == (
        True, False, 0, False, False)


def test_environment_overrides_are_read():
    shown = settings_with(SECRET_KEY=secret_key(), **PRODUCTION, SECURE_SSL_REDIRECT="0",
                          SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
                          SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", AXES_FAILURE_LIMIT="10",
                          AXES_COOLOFF_TIME="24")
    assert (shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"],
            shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"], shown["SECURE_PROXY_SSL_HEADER"],
            shown["AXES_FAILURE_LIMIT"], shown["AXES_COOLOFF_HOURS"]) == (
        False, 600, False, ["HTTP_X_FORWARDED_PROTO", "https"], 10, 24.0)


def test_production_refuses_to_start_without_a_secret_key():
    assert refusal(**PRODUCTION).endswith("SECRET_KEY must be set when DEBUG is off")
    # Nor with the development key that DEBUG=1 uses.
    development_key = "insecure-development-key-do-not-use-in-production"
    assert "SECRET_KEY must be set" in refusal(SECRET_KEY=development_key, **PRODUCTION)


def test_production_refuses_to_start_without_allowed_hosts():
    assert refusal(DEBUG="0", SECRET_KEY=secret_key()).endswith(
        "ALLOWED_HOSTS must be set when DEBUG is off")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DEBUG", "maybe", "DEBUG must be one of"),
    ("SECURE_SSL_REDIRECT", "sometimes", "SECURE_SSL_REDIRECT must be one of"),
    ("SECURE_HSTS_PRELOAD", "ya", "SECURE_HSTS_PRELOAD must be one of"),
    ("SECURE_HSTS_SECONDS", "one year", "SECURE_HSTS_SECONDS must be an integer"),
    ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME must be at least 1"),
    ("AXES_COOLOFF_TIME", "1.5", "AXES_COOLOFF_TIME must be an integer"),
    ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "not a header name"),
    ("STATISTICS_CACHE_SECONDS", "0", "STATISTICS_CACHE_SECONDS must be at least 1"),
    ("STATISTICS_CACHE_SECONDS", "1m", "STATISTICS_CACHE_SECONDS must be an integer"),
])
def test_a_malformed_value_stops_start_up(name, value, message):
    assert message in refusal(**{"SECRET_KEY": secret_key(), **PRODUCTION, name: value})


@pytest.mark.parametrize(("raw", "setting"), [
    ("", None),
    ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
    ("x-forwarded-ssl=on", ("HTTP_X_FORWARDED_SSL", "on")),
    ("HTTP_X_FORWARDED_PROTO", ("HTTP_X_FORWARDED_PROTO", "https")),
])
def test_the_proxy_ssl_header_is_named_as_the_proxy_sends_it(raw, setting):
    assert _proxy_ssl_header(raw) == setting


def test_a_proxy_ssl_header_with_spaces_is_refused():
    with pytest.raises(ImproperlyConfigured):
        _proxy_ssl_header("X Forwarded Proto")
