"""Responses compressed for the clients that accept it.

The pages and the API are text that compresses 3–80 times (docs/performance.md, finding
18): the citizen's submission form with every published standard in it, the lists, the
exports. Only text is compressed; an image or an archive would only cost the CPU. Django's
GZipMiddleware does the work, with its mitigation of BREACH (random bytes in each gzip
header) on top of the CSRF token that is masked afresh in every response.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = ("application/json", "application/x-ndjson", "application/javascript",
              "application/xml", "image/svg+xml")


def _is_text(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (media_type.startswith("text/") or media_type in TEXT_TYPES
            or media_type.endswith("+json") or media_type.endswith("+xml"))


class CompressText(GZipMiddleware):
    """gzip for textual responses; off when COMPRESS_RESPONSES is, for a proxy that
    compresses itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.COMPRESS_RESPONSES:
            raise MiddlewareNotUsed
        super().__init__(get_response)

    def process_response(self, request: HttpRequest, response: HttpResponseBase
                         ) -> HttpResponseBase:
        if not _is_text(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
