"""API token authentication: `Authorization: Token <secret>` for staff and ombudsman.

The secret is `<prefix>.<random>`; the prefix finds the row, and the sha256 of the whole
secret is compared in constant time, so neither the secret nor a timing difference leaks.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import TOKEN_PREFIX_LENGTH, ApiToken
from complaints.identifiers import token_matches
from workflow.permissions import GRANTS_READ, MEMBERSHIP_VALUES, grants_of


def user_for_api_key(secret: str | None) -> AbstractBaseUser | None:
    """The active user whose unrevoked token this is, or None; read with their grants
    (workflow.permissions.GRANTS_READ) in the same query, a row per membership."""
    # NUL: PostgreSQL refuses it in the query below (that was a 500).
    if not secret or len(secret) > 200 or "\x00" in secret:
        return None
    prefix = secret.partition(".")[0]
    if len(prefix) != TOKEN_PREFIX_LENGTH:
        return None
    User = get_user_model()
    fields = [field.attname for field in User._meta.concrete_fields]
    rows = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).values_list(
        "pk", "key_hash", "last_used_at", *(f"user__{name}" for name in fields),
        *(f"user__memberships__{name}" for name in MEMBERSHIP_VALUES)))
    if not rows or not token_matches(rows[0][1], secret):
        return None
    token_pk, _hash, last_used_at = rows[0][:3]
    user = User.from_db(ApiToken.objects.db, fields, rows[0][3:3 + len(fields)])
    if not user.is_active:
        return None
    setattr(user, GRANTS_READ, grants_of(user, (row[3 + len(fields):] for row in rows)))
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        # At most one write a minute per token: enough to audit use, cheap on busy clients.
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
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
