"""Issue, list and revoke API tokens: `api_token create USER NAME`, `api_token list
[USER]`, `api_token revoke PREFIX`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import ApiToken


class Command(BaseCommand):
    help = "Create, list or revoke API tokens for staff and ombudsman users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="issue a token; the secret is shown once")
        create.add_argument("username")
        create.add_argument("name", help="what the token is for")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        getattr(self, f"_{verb}")(**options)

    def _create(self, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        token, secret = ApiToken.issue(user, name)
        self.stdout.write(secret)
        self.stderr.write(f"Token {token.prefix}… for {username}: shown once, store it now.")

    def _list(self, username: str | None = None, **options: Any) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            self.stdout.write(f"{t.prefix}  {t.user.get_username():<20} {state:<18} {t.name}")

    def _revoke(self, prefix: str, **options: Any) -> None:
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"No token with prefix {prefix!r}.")
        token.revoke()
        self.stdout.write(f"Revoked {token.prefix}….")
