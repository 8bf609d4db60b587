"""Site-wide plain-text endpoints."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116: where to report a vulnerability (docs/security.md)."""
    expires = (timezone.now() + dt.timedelta(days=365)).replace(microsecond=0)
    lines = [f"Contact: {settings.SECURITY_CONTACT}",
             f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
             "Preferred-Languages: id, en"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
