"""Settings for the test suite: production settings plus fast hashing and in-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client and the live server speak plain HTTP; every other production security
# setting (secure cookies, CSP, sign-in lockout) stays as deployed.
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files are found by the finders in tests; nothing is collected beforehand.
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if os.environ.get("TEST_DB") == "postgres":
    # The PostgreSQL pass of `make test`: pg_virtualenv exports PGHOST, PGPORT, PGUSER and
    # PGPASSWORD, which libpq reads itself.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "postgres"),
            "OPTIONS": POSTGRES_OPTIONS,  # noqa: F405 - as deployed
        }
    }
