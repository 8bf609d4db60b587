"""`Idempotency-Key` for submissions: the same key and body get the same answer and no
second complaint; the same key with another body is a 422.

The record is inserted before the work and committed with it, so two requests racing with
one key serialise on its unique index: the second waits, then replays the first's answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import error_response
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
SEALED_FIELD = "access_token"


def client_of(request: Request) -> str:
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"addr:{request.META.get('REMOTE_ADDR', '')}"


def request_fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    fields = {k: v for k, v in request.data.items() if not hasattr(v, "read")}
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name, upload in sorted(request.FILES.items()):
        digest.update(name.encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()


def _keystream(key: str, length: int) -> bytes:
    blocks, counter = b"", 0
    while len(blocks) < length:
        blocks += hmac.new(settings.SECRET_KEY.encode(), f"idem:{counter}:{key}".encode(),
                           hashlib.sha256).digest()
        counter += 1
    return blocks[:length]


def seal(secret: str, key: str) -> str:
    raw = secret.encode()
    return bytes(a ^ b for a, b in zip(raw, _keystream(key, len(raw)))).hex()


def unseal(sealed: str, key: str) -> str | None:
    """The sealed secret, or None when it was sealed under another SECRET_KEY (rotated, or a
    backup restored onto a server with a new one): the keystream no longer matches, and the
    result is not the ASCII of an access token."""
    raw = bytes.fromhex(sealed)
    try:
        return bytes(a ^ b for a, b in zip(raw, _keystream(key, len(raw)))).decode("ascii")
    except UnicodeDecodeError:
        return None


def idempotent(request: Request, run: Callable[[], Response]) -> Response:
    """Run `run` once per key. `run` raises on failure, so a failed attempt leaves no record
    and the client may retry it with the same key."""
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        return error_response("invalid_idempotency_key",
                              "Idempotency-Key must be 1 to 255 printable characters.",
                              status.HTTP_400_BAD_REQUEST)
    key_hash = hashlib.sha256(f"{client_of(request)}\0{key}".encode()).hexdigest()
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key_hash=key_hash, request_hash=fingerprint, status_code=0,
                    response_body={})
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(key_hash=key_hash), fingerprint, key)
        response = run()
        body: dict[str, Any] = dict(response.data)
        secret = body.pop(SEALED_FIELD, "")
        record.status_code = response.status_code
        record.response_body = body
        record.sealed_token = seal(secret, key) if secret else ""
        record.save()
    return response


def _replay(record: IdempotencyRecord, fingerprint: str, key: str) -> Response:
    if record.request_hash != fingerprint:
        return error_response(
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request.",
            status.HTTP_422_UNPROCESSABLE_ENTITY)
    body = dict(record.response_body)
    # Without the SECRET_KEY it was sealed under, the token is lost for good (only its hash
    # is kept): the replay still names the complaint, so the retry creates no second one.
    token = unseal(record.sealed_token, key) if record.sealed_token else None
    if token is not None:
        body[SEALED_FIELD] = token
    response = Response(body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
