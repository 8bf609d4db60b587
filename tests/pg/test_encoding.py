"""The database is UTF8, as docs/deploy.md asks: in a SQL_ASCII one (what initdb makes in a
shell without a UTF-8 locale) every event whose JSON has a character beyond ASCII fails."""

from __future__ import annotations

import json

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres


def test_the_database_is_utf8_and_keeps_json_beyond_ascii(db):
    text = "Terima kasih — sudah diperbaiki 👍"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8", "create the cluster with --encoding=UTF8"
        # json.dumps writes "—" and "👍" as \u escapes, as Django's JSONField does.
        cursor.execute("SELECT (%s::jsonb) ->> 'message'", [json.dumps({"message": text})])
        assert cursor.fetchone()[0] == text
