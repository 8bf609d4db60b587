"""API token authentication: `Authorization: Token <secret>` for staff and ombudsman.

The secret is `<prefix>.<random>`; the prefix finds the row, and the sha256 of the whole
secret is compared in constant time, so neither the secret nor a timing difference leaks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import TOKEN_PREFIX_LENGTH, ApiToken
from complaints.identifiers import token_matches
from complaints.selectors import user_with_grants


def user_for_api_key(secret: str | None) -> AbstractBaseUser | None:
    """The active user whose unrevoked token this is, or None; read with their grants in
    the same query (complaints.selectors.user_with_grants)."""
    # NUL: PostgreSQL refuses it in the query below (that was a 500).
    if not secret or len(secret) > 200 or "\x00" in secret:
        return None
    prefix = secret.partition(".")[0]
    if len(prefix) != TOKEN_PREFIX_LENGTH:
        return None
    now = timezone.now()
    tokens = connections[ApiToken.objects.db]
    # At most one write a minute per token: enough to audit use, cheap on busy clients.
    touch_before = tokens.ops.adapt_datetimefield_value(now - dt.timedelta(seconds=60))
    user = user_with_grants(
        "t.prefix = %s AND t.revoked_at IS NULL", [touch_before, prefix],
        join=f"JOIN {tokens.ops.quote_name(ApiToken._meta.db_table)} t ON t.user_id = u.id",
        extra=", t.id AS token_id, t.key_hash AS token_hash, "
              "(t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale")
    if user is None or not token_matches(user.token_hash, secret) or not user.is_active:
        return None
    if user.token_stale:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    return user


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Malformed token.") from None
        user = user_for_api_key(secret)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
