"""Compile the committed .po files to .mo, in pure Python (no gettext tools needed), so a
fresh checkout shows Bahasa Indonesia without installing anything more."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                errors = [e for e in catalog if e.msgid and e.translated() and
                          any(_placeholders(e.msgid) != _placeholders(text)
                              for text in _translations(e))]
                if errors:
                    raise CommandError(f"{po_path}: placeholders differ in {errors[0].msgid!r}")
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
        self.stdout.write(f"Compiled {compiled} catalogues.")


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|\{\w*\}", text))
