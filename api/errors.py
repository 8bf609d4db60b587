"""One JSON error shape for the whole API, and the one place domain errors become HTTP.

    {"error": {"code": "transition_not_allowed", "message": "…", "details": {…}}}
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config import unavailable
from workflow.errors import WorkflowError

# DRF's exceptions, by class, to our codes; anything else keeps DRF's own code.
DRF_CODES: dict[type[Exception], str] = {
    exceptions.ValidationError: "invalid_input",
    exceptions.ParseError: "malformed_request",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "not_permitted",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.Throttled: "throttled",
}

UNAVAILABLE = {
    unavailable.QUERY_TIMEOUT: "The request took longer than the server allows; nothing was "
                               "changed. Narrow it (filters, a shorter period) or try again "
                               "later.",
    unavailable.DATABASE_UNAVAILABLE: "The database cannot be reached for a moment; nothing "
                                      "was changed. Try again later.",
}


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. transition_not_allowed.")
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    """The one error shape, for the OpenAPI schema."""

    error = ErrorBodySerializer()


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(code: str, message: str, http_status: int,
                   details: dict[str, Any] | None = None) -> Response:
    return Response(error_body(code, message, details), status=http_status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, WorkflowError):
        return error_response(exc.code, exc.message, exc.status, exc.details)
    why = unavailable.reason(exc)
    if why is not None:
        response = error_response(why, UNAVAILABLE[why], status.HTTP_503_SERVICE_UNAVAILABLE,
                                  {"retry_after_seconds": unavailable.RETRY_SECONDS})
        response["Retry-After"] = str(unavailable.RETRY_SECONDS)
        return response
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response("request_too_large",
                              f"The request body is larger than {limit:,} bytes "
                              "(attachments not counted).",
                              status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, {"max_bytes": limit})
    if isinstance(exc, SuspiciousOperation):
        # Too many fields or files: Django refuses to read the request (its own answer
        # would be a 400 HTML page).
        return error_response("malformed_request", "The request could not be read.",
                              status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RecursionError):
        # The json module raises RecursionError, not the ValueError that DRF's JSONParser
        # turns into a ParseError, on deeply nested input (`[[[[…]]]]`).
        return error_response("malformed_request", "The JSON is nested too deeply.",
                              status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)),
                exc.default_code)
    if isinstance(exc, exceptions.ValidationError):
        message, details = "The request has invalid fields.", {"errors": exc.detail}
    else:
        message, details = str(exc.detail), {}
        # Throttled, and the statistics computing another question (api/stats/views.py).
        if getattr(exc, "wait", None) is not None:
            details = {"retry_after_seconds": int(exc.wait)}
    response.data = error_body(code, message, details)
    return response


def not_found_response() -> Response:
    return error_response("not_found", "Not found.", status.HTTP_404_NOT_FOUND)


def not_found(request: object, *args: object, **kwargs: object) -> JsonResponse:
    """The API's 404 for paths that match no endpoint."""
    return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
