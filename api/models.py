"""API records: staff and ombudsman tokens, and remembered idempotent submissions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from complaints.identifiers import hash_token

TOKEN_PREFIX_LENGTH = 8


class ApiToken(models.Model):
    """A revocable API token. Only a prefix (to find it) and the sha256 (to check it) are
    stored; the token itself is shown once, when created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: object, name: str) -> tuple[ApiToken, str]:
        """Create a token; returns the row and the secret to hand over once."""
        while True:
            prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
            if not cls.objects.filter(prefix=prefix).exists():
                break
        secret = f"{prefix}.{secrets.token_urlsafe(32)}"
        token = cls.objects.create(user=user, name=name, prefix=prefix,
                                   key_hash=hash_token(secret))
        return token, secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        self.revoked_at = self.revoked_at or timezone.now()
        self.save(update_fields=["revoked_at"])


class IdempotencyRecord(models.Model):
    """The answer given to one `Idempotency-Key`, replayed when the same request comes again.

    Neither the key nor the access token of the answer is stored in plain text: `key_hash` is
    sha256 of the client and the key, and the token is sealed with a keystream derived from
    SECRET_KEY and the raw key, which only the client holds (see api/idempotency.py).
    """

    key_hash = models.CharField(max_length=64, unique=True)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    sealed_token = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.key_hash[:12]}… → {self.status_code}"
