"""When the database cannot answer: a statement PostgreSQL cancelled for running longer than
the app server allows (`DB_STATEMENT_TIMEOUT`, docs/deploy.md), or a connection that could
not be made or was lost (PostgreSQL restarting, failing over, unreachable). Both are
answered 503 with `Retry-After`, as a page or, in the API, with the code `query_timeout` or
`database_unavailable` (api/errors.py), never as a server error. The request's transaction
is rolled back, so nothing it wrote is kept; nothing accepted before is touched. A
connection lost between requests is noticed and replaced before the next one uses it
(`conn_health_checks`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

RETRY_SECONDS = 30
QUERY_TIMEOUT = "query_timeout"
DATABASE_UNAVAILABLE = "database_unavailable"


def reason(error: BaseException) -> str | None:
    """QUERY_TIMEOUT, DATABASE_UNAVAILABLE, or None for any other error."""
    if not isinstance(error, OperationalError):
        return None
    import psycopg
    from psycopg import errors

    cause = error.__cause__
    if isinstance(cause, errors.QueryCanceled):  # its timeout, or pg_cancel_backend
        return QUERY_TIMEOUT
    # Without an SQLSTATE: the connection could not be made, or broke. Class 57: the server
    # is shutting down, crashed, starting up, or an operator ended the session.
    if type(cause) is psycopg.OperationalError or isinstance(cause, errors.OperatorIntervention):
        return DATABASE_UNAVAILABLE
    return None


class DatabaseUnavailable:
    """The pages' answer; the API's is its exception handler's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception
                          ) -> HttpResponse | None:
        why = reason(exception)
        if why is None:
            return None
        try:
            response = render(request, "503.html",
                              {"reason": why, "retry_seconds": RETRY_SECONDS}, status=503)
        except DatabaseError:
            # The page reads the signed-in user, from the database that is not there.
            response = HttpResponse(_("The service is unavailable for a moment. Please try "
                                      "again."), content_type="text/plain; charset=utf-8",
                                    status=503)
        response["Retry-After"] = str(RETRY_SECONDS)
        return response
