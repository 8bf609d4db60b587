"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in XML and JSON.

Thin views: read the parameters, call a selector or `complaint_submit`, answer a Document.
See docs/open311.md for the mapping of Aduan's records to the specification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from api.authentication import user_for_api_key
from api.open311 import params, selectors, submission
from api.open311.errors import Open311Error, bad_request, exception_handler, not_found
from api.open311.renderers import (
    ByExtension,
    Document,
    Open311JSONRenderer,
    Open311XMLRenderer,
)
from api.open311.representation import (
    request_items,
    service_definition,
    service_item,
    service_notice,
)
from complaints.identifiers import normalize_tracking_number
from complaints.models import Complaint, ServiceStandard

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this implementation last changed what it serves; discovery's changeset is the later
# of this and the newest service standard.
API_CHANGESET = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


class SubmitThrottle(AnonRateThrottle):
    """The REST API's "submit" budget per client address, shared with it: one citizen, one
    budget, whichever door they use."""

    scope = "submit"

    def get_rate(self) -> str | None:
        # Read when used, not at import, so the configured rate is always the current one.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class Open311View(APIView):
    # No session or token authentication: Open311 passes `api_key` as a parameter, and
    # without session authentication there is no CSRF check on these API calls.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    parser_classes = (FormParser, MultiPartParser, JSONParser)
    renderer_classes = (Open311JSONRenderer, Open311XMLRenderer)
    content_negotiation_class = ByExtension
    metadata_class = None  # OPTIONS is not part of the specification
    schema = None  # documented by the specification and docs/open311.md, not OpenAPI

    def get_exception_handler(self) -> Any:
        return exception_handler

    @property
    def allowed_methods(self) -> list[str]:
        return [m for m in super().allowed_methods if m != "OPTIONS"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_api_key(request)


def check_api_key(request: Request) -> None:
    """No method needs an api_key, but one that is sent, in the query string or the body,
    must be a valid Aduan API token."""
    sources: list[Mapping[str, Any]] = [request.query_params]
    if request.method == "POST" and isinstance(request.data, Mapping):
        sources.append(request.data)
    for source in sources:
        key = params.text(source, "api_key")
        if key is not None and user_for_api_key(key) is None:
            raise Open311Error(403, "Invalid api_key received -- can't proceed.")


class DiscoveryView(Open311View):
    def get(self, request: Request, format: str) -> Response:
        path = reverse("open311:discovery", kwargs={"format": format}).rsplit("/", 1)[0]
        changeset = _changeset()
        return Response(Document("discovery", {
            "changeset": changeset,
            "contact": getattr(settings, "OPEN311_CONTACT", "")
            or f"Aduan at {settings.SITE_URL}; e-mail {settings.DEFAULT_FROM_EMAIL}",
            "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
            or "No API key is needed to read or to submit service requests. API tokens for "
               "staff and ombudsman are issued by the administrator of this installation.",
            "endpoints": [{
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(path),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }))


def _changeset() -> str:
    newest = ServiceStandard.objects.aggregate(newest=Max("created_at"))["newest"]
    latest = max(API_CHANGESET, newest) if newest else API_CHANGESET
    return latest.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ServiceListView(Open311View):
    def get(self, request: Request, format: str) -> Response:
        services = [service_item(s) for s in selectors.active_services()]
        return Response(Document("services", services))


class ServiceDefinitionView(Open311View):
    def get(self, request: Request, service_code: str, format: str) -> Response:
        service = None
        if params.is_service_code(service_code):
            service = selectors.active_services().filter(code=service_code).first()
        if service is None:
            raise not_found("service_code was not found.")
        return Response(Document("service_definition", service_definition(service)))


class RequestsView(Open311View):
    def get_throttles(self) -> list[SubmitThrottle]:
        return [SubmitThrottle()] if self.request.method == "POST" else []

    def get(self, request: Request, format: str) -> Response:
        query = request.query_params
        requests = selectors.public_requests()
        ids = params.tracking_numbers(query)
        if ids is not None:
            # "This overrides all other arguments."
            requests = requests.filter(tracking_number__in=ids)
        else:
            span = params.window(query, timezone.now())
            requests = selectors.filter_requests(
                requests, service_codes=params.comma_list(query, "service_code"),
                statuses=params.statuses(query), received_from=span.start,
                received_to=span.end,
            )
        items = request_items(requests[: params.MAX_RESULTS])
        return Response(Document("service_requests", items))

    def post(self, request: Request, format: str) -> Response:
        if not isinstance(request.data, Mapping):
            raise bad_request("Send the parameters form-encoded.")
        submitted = submission.submit(submission.read(request.data))
        complaint = submitted.complaint
        created = {
            "service_request_id": complaint.tracking_number,
            "service_notice": service_notice(complaint.standard,
                                             complaint.standard.clocks.all()),
            "account_id": None,
            # Not in the specification: the secret that opens Aduan's own tracking of this
            # complaint. Shown once; only its hash is stored.
            "access_token": submitted.access_token,
        }
        return Response(Document("service_requests", [created]),
                        headers={"Cache-Control": "no-store"})


def _public_request(reference: str) -> Complaint:
    number = normalize_tracking_number(reference)
    complaint = (selectors.public_requests().filter(tracking_number=number).first()
                 if number else None)
    if complaint is None:
        raise not_found("service_request_id was not found.")
    return complaint


class RequestDetailView(Open311View):
    def get(self, request: Request, service_request_id: str, format: str) -> Response:
        complaint = _public_request(service_request_id)
        return Response(Document("service_requests", request_items([complaint])))


class TokenView(Open311View):
    """Aduan answers every submission with its service_request_id at once (type realtime),
    so it issues no tokens; a tracking number is accepted as its own token, for clients
    that call this method anyway."""

    def get(self, request: Request, token: str, format: str) -> Response:
        try:
            complaint = _public_request(token)
        except Open311Error:
            raise not_found("token was not found.") from None
        return Response(Document("service_requests", [
            {"service_request_id": complaint.tracking_number, "token": token},
        ]))


class NotFoundView(Open311View):
    """Everything else under the endpoint, whatever the method: 404 in the Open311 shape."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            APIView.initial(self, request, *args, **kwargs)  # XML for a path ending in .xml
        except Http404:
            pass  # no or unknown extension: the error goes out in JSON
        raise not_found("Not found. Resources end in .xml or .json, e.g. services.xml.")
