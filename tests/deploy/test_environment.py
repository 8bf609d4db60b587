"""The deployment's environment variables, as a process starts with them: the optional read
replica (DATABASE_REPLICA_URL, parsed like DATABASE_URL), prepared statements and the mail
server. Each case starts
a fresh Python with config.settings and only the variables it names: settings are read once,
at start-up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.routers import REPLICA

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "DATABASES", "DATABASE_ROUTERS", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT",
    "STATISTICS_WARM", "STATISTICS_COMPUTATIONS", "CACHES")}, default=str))
"""
PRIMARY = "postgres://aduan:s3cret@db.internal:5432/aduan"
PREPARED = {"server_side_binding": True, "prepare_threshold": 2}


def start(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "SECRET_KEY": "a-real-secret-key-for-this-test-0123456789abcdefghijkl",
           "ALLOWED_HOSTS": "aduan.example.go.id", "DATABASE_URL": PRIMARY, **environment}
    return subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def settings_with(**environment: str) -> dict:
    result = start(**environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(**environment: str) -> str:
    """The message start-up fails with."""
    result = start(**environment)
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def test_the_replica_url_adds_a_replica_that_tests_mirror_to_the_primary():
    shown = settings_with(DB_CONN_MAX_AGE="30", DATABASE_REPLICA_URL=(
        "postgres://reader:r3ad@replica.internal:5433/aduan?application_name=aduan-exports"))
    replica = shown["DATABASES"][REPLICA]
    assert {k: replica[k] for k in ("ENGINE", "HOST", "PORT", "NAME", "USER", "CONN_MAX_AGE",
                                    "CONN_HEALTH_CHECKS", "OPTIONS")} == {
        "ENGINE": "django.db.backends.postgresql", "HOST": "replica.internal", "PORT": 5433,
        "NAME": "aduan", "USER": "reader", "CONN_MAX_AGE": 30, "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"application_name": "aduan-exports", **PREPARED},
    }
    # Tests run without a second server: the replica alias reads the test database.
    assert replica["TEST"]["MIRROR"] == "default"
    assert shown["DATABASES"]["default"]["HOST"] == "db.internal"
    assert shown["DATABASE_ROUTERS"] == ["config.routers.ReplicaRouter"]


def test_a_process_names_its_connections_to_the_primary_and_to_the_replica():
    shown = settings_with(DB_APPLICATION_NAME=" aduan-app-8000 ", DATABASE_URL=(
        f"{PRIMARY}?application_name=aduan"), DATABASE_REPLICA_URL=(
        "postgres://reader:r3ad@replica.internal:5433/aduan?application_name=aduan-exports"))
    databases = shown["DATABASES"]
    assert databases["default"]["OPTIONS"] == {"application_name": "aduan-app-8000",
                                               **PREPARED}
    assert databases[REPLICA]["OPTIONS"] == {"application_name": "aduan-app-8000-replica",
                                             **PREPARED}


def test_an_app_servers_statement_timeout_is_added_to_the_urls_options():
    shown = settings_with(DB_STATEMENT_TIMEOUT="60", DATABASE_REPLICA_URL=(
        "postgres://reader:r3ad@replica.internal:5433/aduan"
        "?options=-c%20default_transaction_read_only%3Don"))
    databases = shown["DATABASES"]
    assert databases["default"]["OPTIONS"] == {"options": "-c statement_timeout=60s",
                                               **PREPARED}
    assert databases[REPLICA]["OPTIONS"] == {
        "options": "-c default_transaction_read_only=on -c statement_timeout=60s", **PREPARED}
    # Unset or 0: no timeout.
    assert "options" not in settings_with(DB_STATEMENT_TIMEOUT="0")["DATABASES"]["default"][
        "OPTIONS"]
    assert refusal(DB_STATEMENT_TIMEOUT="-5") == (
        "django.core.exceptions.ImproperlyConfigured: DB_STATEMENT_TIMEOUT must be 0 (none) "
        "or more seconds")
    assert refusal(DB_STATEMENT_TIMEOUT="1m").endswith(
        "DB_STATEMENT_TIMEOUT must be an integer, not '1m'")


def test_the_public_statistics_computed_at_once_on_the_database():
    assert settings_with()["STATISTICS_COMPUTATIONS"] == 1
    assert settings_with(STATISTICS_COMPUTATIONS="3")["STATISTICS_COMPUTATIONS"] == 3
    assert refusal(STATISTICS_COMPUTATIONS="0") == (
        "django.core.exceptions.ImproperlyConfigured: STATISTICS_COMPUTATIONS must be at "
        "least 1")


def test_without_a_process_name_the_urls_name_the_connections():
    shown = settings_with(DATABASE_URL=f"{PRIMARY}?application_name=aduan")
    assert shown["DATABASES"]["default"]["OPTIONS"] == {"application_name": "aduan",
                                                        **PREPARED}


def test_without_the_replica_url_there_is_only_the_primary():
    assert list(settings_with(DATABASE_REPLICA_URL="")["DATABASES"]) == ["default"]


@pytest.mark.parametrize(("replica_url", "message"), [
    ("postgres://reader:r3ad@replica.internal:port/aduan",
     "DATABASE_REPLICA_URL must be a database URL"),
    ("sqlite:///replica.sqlite3", "DATABASE_REPLICA_URL must be the same kind of database"),
])
def test_a_bad_replica_url_stops_start_up(replica_url, message):
    result = start(DATABASE_REPLICA_URL=replica_url)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: " + message), last
    assert "r3ad" not in result.stderr  # the password is not repeated


def test_postgresql_prepares_statements_unless_told_not_to():
    replica = "postgres://reader:r3ad@replica.internal:5433/aduan"
    shown = settings_with(DATABASE_REPLICA_URL=replica)["DATABASES"]
    assert shown["default"]["OPTIONS"] == shown[REPLICA]["OPTIONS"] == PREPARED
    # Behind a pooler in transaction mode that cannot keep them (docs/deploy.md).
    shown = settings_with(DATABASE_REPLICA_URL=replica, DB_PREPARED_STATEMENTS="0")["DATABASES"]
    assert shown["default"]["OPTIONS"] == shown[REPLICA]["OPTIONS"] == {}
    assert "DB_PREPARED_STATEMENTS must be one of" in refusal(DB_PREPARED_STATEMENTS="maybe")


def test_sqlite_has_no_prepared_statements_to_set():
    options = settings_with(DATABASE_URL="sqlite:////tmp/aduan.sqlite3")["DATABASES"]["default"]
    assert options["OPTIONS"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_the_mail_server_comes_from_the_environment():
    shown = settings_with(EMAIL_HOST="smtp.example.go.id", EMAIL_PORT="587",
                          EMAIL_HOST_USER="aduan", EMAIL_HOST_PASSWORD="m41l",
                          EMAIL_USE_TLS="1", EMAIL_TIMEOUT="10")
    assert {k: shown[k] for k in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER",
                                  "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
                                  "EMAIL_TIMEOUT")} == {
        "EMAIL_HOST": "smtp.example.go.id", "EMAIL_PORT": 587, "EMAIL_HOST_USER": "aduan",
        "EMAIL_HOST_PASSWORD": "m41l", "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


def test_the_mail_server_defaults_to_a_local_relay_with_a_timeout():
    shown = settings_with()
    assert (shown["EMAIL_HOST"], shown["EMAIL_PORT"], shown["EMAIL_TIMEOUT"]) == \
        ("localhost", 25, 30)


@pytest.mark.parametrize(("environment", "message"), [
    ({"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL"),
    ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be an integer"),
])
def test_a_contradictory_mail_setting_stops_start_up(environment, message):
    assert message in refusal(**environment)


def test_the_worker_keeps_statistics_computed_only_where_the_app_servers_read_them():
    """In one process' memory the app servers would never see what the worker computed."""
    shared = "django.core.cache.backends.db.DatabaseCache"
    assert settings_with()["STATISTICS_WARM"] is False
    assert settings_with(CACHE_BACKEND=shared)["STATISTICS_WARM"] is True
    assert settings_with(CACHE_BACKEND=shared, STATISTICS_WARM="0")["STATISTICS_WARM"] is False


def test_a_cache_of_djangos_own_holds_as_many_entries_as_the_operator_says():
    shared = "django.core.cache.backends.db.DatabaseCache"
    assert settings_with()["CACHES"]["default"]["OPTIONS"] == {"MAX_ENTRIES": 300}
    assert settings_with(CACHE_BACKEND=shared, CACHE_MAX_ENTRIES="50000")["CACHES"][
        "default"]["OPTIONS"] == {"MAX_ENTRIES": 50000}
    # Redis takes its OPTIONS as its client's: none is passed on.
    redis = settings_with(CACHE_BACKEND="django.core.cache.backends.redis.RedisCache",
                          CACHE_LOCATION="redis://cache.internal:6379", CACHE_MAX_ENTRIES="9")
    assert "OPTIONS" not in redis["CACHES"]["default"]


def test_every_variable_the_settings_read_is_documented_for_operators():
    settings_source = (BASE_DIR / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    deploy = (BASE_DIR / "docs" / "deploy.md").read_text()

    assert "DATABASE_URL" in read and "COMPRESS_RESPONSES" in read  # the pattern finds them
    assert sorted(name for name in read if f"`{name}`" not in deploy) == []
