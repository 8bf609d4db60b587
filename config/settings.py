"""Aduan settings. Every deployment-specific value comes from the environment (see README)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import dj_database_url
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_str,
    postgres_options,
    process_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "complaints",
    "workflow",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which sends the static files' own compressed copies, and above
    # everything that writes a response's body.
    "config.middleware.CompressText",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.unavailable.DatabaseUnavailable",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form widgets are rendered by Django's Jinja2 templates for them (config/forms.py).
FORM_RENDERER = "config.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Off behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements): docs/deploy.md.
POSTGRES_OPTIONS = postgres_options(env_bool("DB_PREPARED_STATEMENTS", True))
# Set per process (docs/deploy.md): what its connections are called in pg_stat_activity
# (aduan-app-8000, aduan-worker-1; the replica's add "-replica"), in the place of an
# application_name in the URLs; and, for the app servers, the seconds after which
# PostgreSQL cancels a statement (0: never), answered 503 (config.unavailable).
DB_APPLICATION_NAME = env_str("DB_APPLICATION_NAME").strip()
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every atomic block take SQLite's write lock up front, so two
    # transitions on one complaint serialise instead of both reading the old state.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
else:
    DATABASES["default"]["OPTIONS"] = process_options(
        {**DATABASES["default"].get("OPTIONS", {}), **POSTGRES_OPTIONS}, DB_APPLICATION_NAME,
        DB_STATEMENT_TIMEOUT)

# An optional read replica of the primary (a streaming standby). Only the exports and the
# statistics read from it, and only their reads of complaint data (config/routers.py);
# every write and everything else uses "default". Unset: there is only "default".
_replica = env_database("DATABASE_REPLICA_URL", conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
if _replica is not None:
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be the same kind of database as "
                                   "DATABASE_URL (a replica of it)")
    # Tests have no second server: the replica alias reads the test database itself.
    _replica["TEST"] = {"MIRROR": "default"}
    _replica["OPTIONS"] = process_options(
        {**_replica.get("OPTIONS", {}), **POSTGRES_OPTIONS},
        DB_APPLICATION_NAME and f"{DB_APPLICATION_NAME}-replica", DB_STATEMENT_TIMEOUT)
    DATABASES["replica"] = _replica  # config.routers.REPLICA
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# Stored times are UTC; each agency's own zone is applied where times are shown or counted.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Citizens' attachments: at most this many, each at most this large.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # non-file request bodies
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "aduan@localhost")
# The mail server the SLA workers hand mail to, with
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (docs/deploy.md). The timeout
# keeps a mail server that stops answering from holding up a worker's sweeps.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL exclude each other")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Where vulnerabilities are reported (served at /.well-known/security.txt).
SECURITY_CONTACT = env_str("SECURITY_CONTACT", "mailto:security@localhost")
# The public address of this installation, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "submit": env_str("THROTTLE_SUBMIT", "30/hour"),
        "citizen": env_str("THROTTLE_CITIZEN", "120/hour"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Pages, API answers and exports are sent gzipped to clients that accept it
# (config/middleware.py); off for a proxy in front that compresses them itself.
COMPRESS_RESPONSES = env_bool("COMPRESS_RESPONSES", default=True)

# Rows per database round trip in the streamed exports.
EXPORT_CHUNK_SIZE = env_int("EXPORT_CHUNK_SIZE", 2000)
# How long the statistics and the staff dashboard's figures are kept before they are computed
# again, by one request while the others are answered the kept ones (config/cache.py).
STATISTICS_CACHE_SECONDS = env_int("STATISTICS_CACHE_SECONDS", 60)
if STATISTICS_CACHE_SECONDS < 1:
    raise ImproperlyConfigured("STATISTICS_CACHE_SECONDS must be at least 1")
# How many new public statistics questions may be computed at once on a database, among every
# app-server process using it (each computes one at most): each keeps a database core busy
# for seconds at a million complaints (config/cache.py, docs/performance.md, finding 45).
STATISTICS_COMPUTATIONS = env_int("STATISTICS_COMPUTATIONS", 1)
if STATISTICS_COMPUTATIONS < 1:
    raise ImproperlyConfigured("STATISTICS_COMPUTATIONS must be at least 1")
# Throttles and idempotency need a cache every app server shares when more than one runs.
CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("CACHE_LOCATION", "aduan"),
    }
}
# Django's own backends hold so many entries (300 by default), then drop a third of them:
# entries are each client's throttle history, and each statistics question with its page's
# HTML per language. Redis and Memcached are bounded by memory and take no such option.
if CACHES["default"]["BACKEND"] in ("django.core.cache.backends.locmem.LocMemCache",
                                    "django.core.cache.backends.db.DatabaseCache",
                                    "django.core.cache.backends.filebased.FileBasedCache"):
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 300)}
# The SLA worker keeps the public statistics without filters computed ahead (config.warming);
# in a cache of one process' memory the app servers would never see them.
STATISTICS_WARM = env_bool("STATISTICS_WARM", default=CACHES["default"]["BACKEND"] not in (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Aduan API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ComplaintState": "workflow.states.State"},
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:queue"

# --- Security (docs/security.md) ---------------------------------------------------------
# Production values unless DEBUG is on: `make run` serves plain HTTP on 127.0.0.1, where an
# HTTPS redirect, HSTS or Secure cookies would lock the developer out.


def _proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` (meaning `X-Forwarded-Proto=https`) or `Header-Name=value`: the
    header a TLS-terminating proxy sets (and removes from what clients send)."""
    name, _, value = raw.strip().partition("=")
    name, value = name.strip(), value.strip() or "https"
    if not name:
        return None
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER is not a header name: {raw!r}")
    meta = name.upper().replace("-", "_")
    return (meta if meta.startswith("HTTP_") else f"HTTP_{meta}"), value


SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env_str("SECURE_PROXY_SSL_HEADER", ""))
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading binds the whole registrable domain (a .go.id name) to HTTPS in every browser,
# for months after a change of mind, so it is the operator's opt-in. Off by choice, its
# deploy-check warning (W021) is silenced; on, the check has nothing to say.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "config.sessions"  # Django's database sessions, read by one statement

# Every page of the app runs with this policy: no inline script, style or handler anywhere
# (data for the charts travels in json_script blocks, which are not executed). The API docs
# pages relax it for themselves only (api/urls.py).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}


def client_address(request: Any) -> str | None:
    """The client's address exactly as the API throttles see it (REST_FRAMEWORK NUM_PROXIES:
    the address that many proxies from the right of X-Forwarded-For, else REMOTE_ADDR), so a
    login lockout and a throttle never disagree about who is asking."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request)


# Sign-in lockout (django-axes), for the staff pages and the admin alike: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is refused for
# AXES_COOLOFF_TIME hours (a further try restarts the wait). Counting the pair, not the
# username alone, keeps an outsider from locking an officer out from anywhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "complaints.backends.StaffBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(hours=env_int("AXES_COOLOFF_TIME", 1))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= dt.timedelta(0):
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME must be at least 1")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = client_address

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
