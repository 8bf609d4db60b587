"""Throttles, in the shared cache: submissions per client, and anonymous access-token use
per address (so tracking numbers and tokens cannot be guessed at speed)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class SubmitThrottle(SimpleRateThrottle):
    scope = "submit"

    def get_cache_key(self, request: Request, view: object) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CitizenThrottle(SimpleRateThrottle):
    """Requests without staff credentials, by client address; staff are not throttled."""

    scope = "citizen"

    def get_cache_key(self, request: Request, view: object) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
