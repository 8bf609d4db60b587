"""Typed readers for settings that come from the environment.

Each refuses a malformed value at start-up instead of running with a surprise default.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, *, conn_max_age: int) -> dict[str, Any] | None:
    """A database URL in dj-database-url's syntax (as DATABASE_URL) as a DATABASES entry, or
    None when the variable is unset or empty. The URL is not repeated in the error: it may
    hold a password."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return dj_database_url.parse(raw, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError as error:
        scheme = raw.partition("://")[0] if "://" in raw else "(none)"
        raise ImproperlyConfigured(
            f"{name} must be a database URL such as postgres://user:password@host:5432/name "
            f"(scheme {scheme!r}: {type(error).__name__})") from None


def process_options(options: dict[str, Any], application_name: str,
                    statement_timeout: int) -> dict[str, Any]:
    """A PostgreSQL entry's OPTIONS with this process's own settings: the name its connections
    show in pg_stat_activity, and the time after which PostgreSQL cancels a statement
    (seconds; 0: never), added to any libpq `options` the URL gave."""
    if statement_timeout < 0:
        raise ImproperlyConfigured("DB_STATEMENT_TIMEOUT must be 0 (none) or more seconds")
    options = dict(options)
    if application_name:
        options["application_name"] = application_name
    if statement_timeout:
        given = options.get("options", "")
        options["options"] = f"{given} -c statement_timeout={statement_timeout}s".strip()
    return options


def postgres_options(prepared_statements: bool) -> dict[str, Any]:
    """OPTIONS for a PostgreSQL DATABASES entry. With prepared statements, parameters are
    bound by the server, and psycopg prepares a statement that a connection has run twice,
    so it is planned once for that connection: a list page's statements took longer to plan
    than to run."""
    if not prepared_statements:
        return {}
    return {"server_side_binding": True, "prepare_threshold": 2}
