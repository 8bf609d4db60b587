"""Checking a citizen's attachment before it is stored: its size, its real type (from its
first bytes, not its name or the browser's word), and a safe display name."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from workflow.errors import InvalidInput

# (content type, extensions it may carry, how its content starts)
KINDS: tuple[tuple[str, tuple[str, ...], tuple[bytes, ...]], ...] = (
    ("application/pdf", (".pdf",), (b"%PDF-",)),
    ("image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    ("image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
    ("image/gif", (".gif",), (b"GIF87a", b"GIF89a")),
    ("image/webp", (".webp",), (b"RIFF",)),  # and "WEBP" at offset 8, checked below
)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def safe_name(raw: str) -> str:
    """The last path component, without control characters or leading dots, at most 100
    characters; never empty."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 95 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:100]
    return name or "lampiran"


def check(file: IO[bytes], raw_name: str, size: int) -> CheckedFile:
    limit = settings.ATTACHMENT_MAX_BYTES
    name = safe_name(raw_name)
    if size > limit:
        raise InvalidInput(_("%(name)s is larger than %(megabytes)d MB.")
                           % {"name": name, "megabytes": limit // (1024 * 1024)},
                           errors={"attachments": "too large"})
    if size == 0:
        raise InvalidInput(_("%(name)s is empty.") % {"name": name},
                           errors={"attachments": "empty"})
    head = file.read(16)
    content_type = _sniff(head)
    if content_type is None:
        raise InvalidInput(_("%(name)s: only PDF, JPEG, PNG, GIF and WebP files are accepted.")
                           % {"name": name},
                           errors={"attachments": "unsupported type"})
    extensions = next(k[1] for k in KINDS if k[0] == content_type)
    if not name.lower().endswith(extensions):
        raise InvalidInput(_("%(name)s: the name does not match its content (%(type)s).")
                           % {"name": name, "type": content_type},
                           errors={"attachments": "name does not match content"})
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return CheckedFile(name=name, content_type=content_type, size=size,
                       sha256=digest.hexdigest())


def _sniff(head: bytes) -> str | None:
    for content_type, _extensions, signatures in KINDS:
        if head.startswith(signatures):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    return None
