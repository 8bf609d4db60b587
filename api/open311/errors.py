"""Open311 errors: always a list of `{code, description}` under an `errors` root, with the
HTTP status the specification asks for (404 not found, 403 api_key, 400 anything else).

This is the one place where domain errors and DRF's errors become Open311 responses.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.open311.renderers import Document
from workflow.errors import WorkflowError


class Open311Error(Exception):
    def __init__(self, http_status: int, description: str) -> None:
        super().__init__(description)
        self.status = http_status
        self.description = description


def bad_request(description: str) -> Open311Error:
    return Open311Error(status.HTTP_400_BAD_REQUEST, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(status.HTTP_404_NOT_FOUND, description)


def error_response(http_status: int, description: str,
                   headers: dict[str, str] | None = None) -> Response:
    body = Document("errors", [{"code": http_status, "description": description}])
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Open311Error):
        return error_response(exc.status, exc.description)
    if isinstance(exc, WorkflowError):
        # InvalidInput 400, NotPermitted 403; a submission never meets a 409.
        return error_response(exc.status, exc.message)
    if isinstance(exc, Http404):
        return error_response(status.HTTP_404_NOT_FOUND, str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return error_response(status.HTTP_403_FORBIDDEN, "Not permitted.")
    if isinstance(exc, SuspiciousOperation):
        # Too many fields, a body over the size limit: Django refuses to read the request.
        return error_response(status.HTTP_400_BAD_REQUEST, "The request could not be read.")
    if isinstance(exc, RecursionError):
        # The json module raises RecursionError, not the ValueError that DRF's JSONParser
        # turns into a ParseError, on deeply nested input (`[[[[…]]]]`).
        return error_response(status.HTTP_400_BAD_REQUEST, "The JSON is nested too deeply.")
    if isinstance(exc, exceptions.Throttled):
        # The specification has no code for this; 429 with the usual error list.
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait is not None else None
        return error_response(status.HTTP_429_TOO_MANY_REQUESTS,
                              "Too many service requests from this address; try again later.",
                              headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return error_response(exc.status_code, str(exc.detail))
    if isinstance(exc, exceptions.APIException):
        # A body that cannot be parsed, or of a type we do not read: "400 for any other
        # error where the request can not be fulfilled as expected".
        return error_response(status.HTTP_400_BAD_REQUEST, str(exc.detail))
    return None
