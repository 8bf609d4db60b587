"""The Indonesian catalogue is complete and compiles; pages really speak it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"


def test_every_string_has_an_indonesian_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=1")


def test_catalogues_compile_with_matching_placeholders():
    out = StringIO()
    call_command("compile_translations", stdout=out)
    assert out.getvalue().strip() == "Compiled 2 catalogues."


def test_indonesian_is_the_default_and_english_is_available(db, client):
    with translation.override("id"):
        assert translation.gettext("Submit a complaint") != "Submit a complaint"
    home = client.get("/").content.decode()
    assert '<html lang="id">' in home
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and "Submit a complaint" in english
