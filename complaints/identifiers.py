"""Tracking numbers and access tokens.

A tracking number is read out over the phone: ten characters from an alphabet without the
look-alikes 0/O, 1/I/L, grouped 5-5, the last one a check character that catches any single
mistyped character and any swap of two neighbours. Nine random characters give 31**9 ≈ 2.6e13
numbers, far too many to enumerate. The access token proves ownership; only its sha256 is
stored (it is random and long, so a slow password hash would add nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters, a prime: the check is a real mod-p
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_BODY = 9


def _check_char(body: str) -> str:
    total = sum((i + 1) * _INDEX[c] for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_BODY))
    raw = body + _check_char(body)
    return f"{raw[:5]}-{raw[5:]}"


def normalize_tracking_number(value: str) -> str | None:
    """The canonical spelling of a typed tracking number, or None if it cannot be one.
    Accepts lower case, spaces and missing dashes."""
    cleaned = "".join(value.upper().split()).replace("-", "")
    if len(cleaned) != _BODY + 1 or any(c not in _INDEX for c in cleaned):
        return None
    if _check_char(cleaned[:_BODY]) != cleaned[_BODY]:
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


def new_access_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(stored_hash: str, token: str | None) -> bool:
    if not token or not stored_hash:
        return False
    return hmac.compare_digest(stored_hash, hash_token(token))
