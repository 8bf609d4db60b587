"""Settings for benchmarking: the application's own settings (config.settings), run as in
production (DEBUG off, persistent connections), plus what a benchmark on loopback needs.

Only what the measurement requires differs from production, each for a stated reason:
plain HTTP on 127.0.0.1 (no HTTPS redirect or Secure cookies), static files served without a
manifest (no collectstatic before every run), throttles out of the way of the load client,
mail kept in memory, a statement timeout as a safety net, and the baseline endpoints of
bench/urls.py mounted beside the app's.
"""

import os
import warnings

# config.settings refuses to start without these when DEBUG is off; the values only ever
# serve a throwaway cluster on loopback.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "0123456789abcdef" * 3)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, LOGGING, REST_FRAMEWORK, STORAGES  # noqa: E402

DEBUG = False
# Static files are served from the source tree (STORAGES below): no collected STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at")
ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
    "submit": "100000000/hour", "citizen": "100000000/hour"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The figures' computations are logged, so that statistics_under_load can count them.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"},
           "loggers": {"config.cache": {"level": "INFO"}}}
# A safety net, not a target: no statement of a benchmark may run longer than a gunicorn
# request may (bench/server.py), so a pathological plan fails the run instead of hanging it.
# Behind PgBouncer (`bench.run --pgbouncer`), which refuses libpq's options, PgBouncer sets it.
if not os.environ.get("BENCH_POOLER"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c statement_timeout=900000"
# `bench.run --db-rtt MS`: the app servers reach PostgreSQL as if across a network
# (bench/network.py); the benchmark's own process and the load clients do not.
if os.environ.get("BENCH_DB_RTT_MS"):
    from bench.network import delay_round_trips

    delay_round_trips(float(os.environ["BENCH_DB_RTT_MS"]) / 1000)
