"""Statements that PostgreSQL cancelled for running longer than the app server allows
(`DB_STATEMENT_TIMEOUT`, docs/deploy.md): answered 503, as a page or, in the API, with the
code `query_timeout` (api/errors.py), never as a server error. The request's transaction is
rolled back, so nothing it wrote is kept; nothing accepted before is touched.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

RETRY_SECONDS = 30


def cancelled(error: BaseException) -> bool:
    """Whether `error` is a statement PostgreSQL cancelled (its timeout, or an operator's
    pg_cancel_backend)."""
    if not isinstance(error, OperationalError):
        return False
    from psycopg.errors import QueryCanceled

    return isinstance(error.__cause__, QueryCanceled)


class StatementTimeout:
    """The pages' answer; the API's is its exception handler's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception
                          ) -> HttpResponse | None:
        if not cancelled(exception):
            return None
        response = render(request, "503.html", {"retry_seconds": RETRY_SECONDS}, status=503)
        response["Retry-After"] = str(RETRY_SECONDS)
        return response
