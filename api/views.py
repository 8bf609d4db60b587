"""REST API views: thin. They find the actor, scope the read through complaints.selectors,
call the workflow service for writes, and let api.errors shape every error."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.idempotency import idempotent
from api.listing import json_response, page_json, page_response, with_members
from api.serializers import (
    ComplaintDetailSerializer,
    ComplaintSerializer,
    EventSerializer,
    ServiceSerializer,
    SubmissionSerializer,
    SubmittedSerializer,
    clock_data,
    instant,
)
from api.throttles import CitizenThrottle, SubmitThrottle
from complaints.filters import RequestedFilters
from complaints.identifiers import normalize_tracking_number
from complaints.models import Complaint, Service, ServiceStandard
from complaints.selectors import (
    CATALOGUE_SECONDS,
    URGENCY,
    OrderedKeys,
    catalogue_key,
    complaint_for_citizen,
    complaints_visible_to,
    numbered_complaint,
    standards_in_force,
)
from workflow import services
from workflow.audit import verify_complaint
from workflow.permissions import Actor
from workflow.states import Action

ACCESS_TOKEN_HEADER = "X-Access-Token"
ACCESS_TOKEN = OpenApiParameter(
    ACCESS_TOKEN_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The citizen's access token, given when the complaint was submitted.",
)
ERROR = ErrorSerializer


def staff_actor(request: Request) -> Actor | None:
    user = request.user
    return Actor.staff(user) if user and user.is_authenticated else None


def acting_on(request: Request, tracking_number: str) -> tuple[Actor, Complaint]:
    """The complaint this request may act on, and who acts: staff within their scope, or
    the citizen holding its access token. Anything else is 404 (or 401 without any
    credentials), so a complaint's existence never leaks."""
    actor = staff_actor(request)
    if actor is not None:
        return actor, scoped_complaint(actor, tracking_number)
    token = request.headers.get(ACCESS_TOKEN_HEADER)
    if not token:
        raise exceptions.NotAuthenticated(
            f"Sign in, send an API token, or send the complaint's {ACCESS_TOKEN_HEADER}.")
    complaint = complaint_for_citizen(tracking_number, token)
    if complaint is None:
        raise exceptions.NotFound()
    return Actor.citizen(complaint), complaint


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def require_utf8(request: Request) -> None:
    """Refuse (400) a query string or a form body that is not UTF-8. Django would go on with
    altered text (undecodable bytes become U+FFFD, or a whole urlencoded body is read as
    Latin-1): a search for the wrong words, or a complaint stored garbled. Runs before the
    body is parsed. A multipart form is decoded field by field with U+FFFD in place of bad
    bytes, which is then their only trace: a field carrying it is refused. A request that
    declares another charset is read in that one, as Django and DRF do."""
    if not _reads_utf8(request):
        return
    try:
        _strict_query(request.META.get("QUERY_STRING", "").encode("iso-8859-1"))  # WSGI
        if request.content_type.startswith(FORM_TYPES[0]):
            _strict_query(request.body)
    except UnicodeError:
        raise exceptions.ParseError("The query string or form is not valid UTF-8.") from None
    if request.content_type.startswith(FORM_TYPES[1]) and any(
            "\ufffd" in text for key, values in request.data.lists()
            for text in (key, *(v for v in values if isinstance(v, str)))):
        raise exceptions.ParseError("The form is not valid UTF-8.")


def _reads_utf8(request: Request) -> bool:
    try:
        return codecs.lookup(request.encoding or settings.DEFAULT_CHARSET).name == "utf-8"
    except LookupError:
        return False  # DRF's parsers refuse an unknown charset themselves


def _strict_query(raw: bytes) -> None:
    parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")


class Utf8Input:
    """For views that read a query string or a form: see require_utf8."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        require_utf8(request)


def scoped_complaint(actor: Actor, tracking_number: str) -> Complaint:
    """The complaint in the actor's scope, or 404. The number is normalised first, as for
    citizens, so that what cannot be one never reaches the database (PostgreSQL refuses a
    NUL in a query: that was a 500)."""
    number = normalize_tracking_number(tracking_number)
    if number is None:
        raise exceptions.NotFound()
    # With what the actor's roles on it are decided by.
    complaint = numbered_complaint(number, actor)
    if complaint is None:
        raise exceptions.NotFound()
    return complaint


class InvalidCursor(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_cursor"
    default_detail = "`cursor` must be a cursor given by this list: follow `next`."


class ComplaintPagination(CursorPagination):
    """DRF's cursor pagination, positioned on the ordering's field and the key. DRF's own
    position is the field alone, with an offset past the complaints sharing its value, and
    it caps offsets at `offset_cutoff` (1,000): past a thousand complaints of one value
    (the closed ones all share the last deadline, NO_DEADLINE) following `next` gave the
    same page again, and a pull in the default order never ended (docs/api.md)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = URGENCY

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        """The requested ordering's first field, then the key in the same direction."""
        first = super().get_ordering(request, queryset, view)[0]
        if first.lstrip("-") == "id":
            return (first,)
        return (first, "-id" if first.startswith("-") else "id")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None
                          ) -> list[Any]:
        """DRF's, with the page after (or, going back, before) the position's (value, key),
        read as OrderedKeys.after reads a cursor's page."""
        self.request, self.page_size = request, self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        offset, reverse, position = self.cursor or (0, False, None)
        order = tuple(field[1:] if field.startswith("-") else f"-{field}"
                      for field in self.ordering) if reverse else self.ordering
        first = self.ordering[0].lstrip("-")
        results = [{"id": key, first: value} for key, value in OrderedKeys(
            queryset, order).after(self.after, offset + self.page_size + 1)][offset:]
        self.page = results[:self.page_size]
        following = (self._get_position_from_instance(results[-1], self.ordering)
                     if len(results) > len(self.page) else None)
        went_on = position is not None or offset > 0
        if reverse:
            self.page.reverse()
            self.has_next, self.next_position = went_on, position
            self.has_previous, self.previous_position = following is not None, following
        else:
            self.has_next, self.next_position = following is not None, following
            self.has_previous, self.previous_position = went_on, position
        return self.page

    def _get_position_from_instance(self, instance: Any, ordering: Any) -> str:
        """The field's value and the key (or the key alone): unique, so DRF's links carry
        no offset."""
        field = ordering[0].lstrip("-")
        return _written(None if field == "id" else instance[field], instance["id"])

    def decode_cursor(self, request: Request) -> Any:
        """DRF's cursor, refused (400) unless its position could be one this list wrote for
        this ordering (a forged one made the database layer raise: 500). What it names, the
        value and the key, is kept as `after`."""
        self.after = None
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        self.after = _position(self.ordering[0].lstrip("-"), cursor.position)
        if self.after is None:
            raise InvalidCursor()
        return cursor._replace(position=_written(*self.after))


KEY_SEPARATOR = "|"


def _written(value: dt.datetime | None, key: int) -> str:
    """A position: the key, or the field's value and the key."""
    return str(key) if value is None else f"{value.isoformat()}{KEY_SEPARATOR}{key}"


def _position(field: str, position: str) -> tuple[dt.datetime | None, int] | None:
    """The value (None in the order of keys) and the key a position names, or None if this
    list cannot have written it."""
    if field == "id":
        value, key = None, position
    else:
        value, separator, key = position.rpartition(KEY_SEPARATOR)
        if not separator:
            return None
    valid_key = key.isascii() and key.isdigit() and len(key) <= 19 and int(key) < 2**63
    if not valid_key:
        return None
    if value is None:
        return None, int(key)
    try:
        moment = parse_datetime(value)
        if moment is None or moment.tzinfo is None:  # written with their offset
            return None
        # In UTC: PostgreSQL refuses offsets past ±15:59, and one out of range in UTC is
        # forged.
        return moment.astimezone(dt.UTC), int(key)
    except (ValueError, OverflowError):
        return None


class StrictOrdering(OrderingFilter):
    """An `ordering` naming anything but the documented fields is a 400, like an unknown
    filter value, rather than silently ignored."""

    def remove_invalid_fields(self, queryset: QuerySet, fields: list[str], view: Any,
                              request: Request) -> list[str]:
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len(fields):
            names = ", ".join(view.ordering_fields)
            raise exceptions.ValidationError(
                {self.ordering_param: [f"Order by {names}, each with - for descending."]})
        return valid


class ComplaintViewSet(Utf8Input, viewsets.GenericViewSet):
    lookup_field = "tracking_number"
    serializer_class = ComplaintSerializer
    filter_backends = [DjangoFilterBackend, StrictOrdering]
    filterset_class = RequestedFilters
    ordering_fields = ["next_due", "received_at", "updated_at", "id"]
    ordering = list(URGENCY)
    pagination_class = ComplaintPagination

    def get_throttles(self) -> list[Any]:
        if self.action == "create":
            return [SubmitThrottle()]
        if self.action == "retrieve" and not self.request.user.is_authenticated:
            return [CitizenThrottle()]
        return []

    def get_queryset(self) -> QuerySet[Complaint]:
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        actor = staff_actor(self.request)
        if actor is None:
            raise exceptions.NotAuthenticated()
        return complaints_visible_to(actor)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        summary="List complaints in your scope",
        description="Staff and ombudsman. Ordered by the deadline of the next running clock "
                    "by default; cursor pagination.",
        responses={200: ComplaintSerializer(many=True), 400: ERROR, 401: ERROR},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page is chosen on the complaint table alone, then written out (api.listing).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return page_response(self.paginator.get_next_link(), self.paginator.get_previous_link(),
                             page_json([row["id"] for row in page],
                                       self.get_serializer_context()))

    @extend_schema(
        summary="One complaint",
        parameters=[ACCESS_TOKEN],
        responses={200: ComplaintDetailSerializer, 401: ERROR, 404: ERROR, 429: ERROR},
    )
    def retrieve(self, request: Request, tracking_number: str) -> Response:
        actor, complaint = acting_on(request, tracking_number)
        return json_response(detail(actor, complaint, request))

    @extend_schema(
        summary="Submit a complaint",
        description="Anyone; throttled per client. Honours `Idempotency-Key`: the same key "
                    "and body return the same answer without a second complaint; the same "
                    "key with another body is 422. Staff recording a complaint received by "
                    "phone, letter or in person may set `channel` and `received_at`.",
        request={"application/json": SubmissionSerializer,
                 "multipart/form-data": SubmissionSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR,
                                     OpenApiParameter.HEADER, required=False)],
        responses={201: SubmittedSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 413: ERROR,
                   415: ERROR, 422: ERROR, 429: ERROR},
    )
    def create(self, request: Request) -> Response:
        if not isinstance(request.data, Mapping):
            # Before the Idempotency-Key, which fingerprints the fields: a JSON array, string
            # or null has none (that was a 500).
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return idempotent(request, lambda: self._submit(request))

    def _submit(self, request: Request) -> Response:
        form = SubmissionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        actor = staff_actor(request) or Actor(kind="citizen")
        if actor.kind == "citizen":
            data.setdefault("channel", "api")
        submitted = services.complaint_submit(
            actor=actor, reporter=data.pop("reporter", None),
            attachments=data.pop("attachments", None) or request.FILES.getlist("attachments"),
            **data,
        )
        # Answered from what the service saved, as the detail would write it.
        complaint, zone, now = submitted.complaint, submitted.complaint.agency.zone, timezone.now()
        body = {"tracking_number": complaint.tracking_number,
                "access_token": submitted.access_token, "state": complaint.state,
                "received_at": instant(complaint.received_at, zone),
                "sla": [clock_data(clock, now, zone) for clock in submitted.clocks]}
        return Response(body, status=status.HTTP_201_CREATED)


def detail(actor: Actor, complaint: Complaint, request: Request) -> str:
    """ComplaintDetailSerializer's fields, as JSON: the complaint as the list gives it
    (api.listing) and the actions `actor` may take on it now."""
    now = timezone.now()
    context = {"now": now, "request": request, "citizen": actor.kind == "citizen"}
    (text,) = page_json([complaint.pk], context)
    return with_members(text, {
        "available_actions": services.available_actions(complaint, actor, now=now)})


class TransitionView(Utf8Input, APIView):
    throttle_classes = [CitizenThrottle]

    @extend_schema(
        summary="Take a workflow action",
        description="The body holds the action's fields: assign/reassign `unit`, `assignee`, "
                    "`complexity`, `classification`; request_info/provide_info `message`; "
                    "extend `clock`, `amount`, `reason`; respond `response`; dispute "
                    "`reason`; accept `rating` (1–5), `comment`; reject `reason` (spam, "
                    "duplicate with `duplicate_of`, out_of_scope), `note`; refer `service` "
                    "(another agency in Aduan) or `agency_name`, `note`; withdraw `reason`. "
                    "409 lists the actions available now.",
        parameters=[ACCESS_TOKEN, OpenApiParameter("action", OpenApiTypes.STR,
                                                   OpenApiParameter.PATH,
                                                   enum=Action.values)],
        request=inline_serializer("TransitionPayload", {
            "message": serializers.CharField(required=False),
            "response": serializers.CharField(required=False),
            "reason": serializers.CharField(required=False),
            "unit": serializers.CharField(required=False),
            "assignee": serializers.CharField(required=False),
            "complexity": serializers.CharField(required=False),
            "classification": serializers.CharField(required=False),
            "clock": serializers.CharField(required=False),
            "amount": serializers.IntegerField(required=False),
            "rating": serializers.IntegerField(required=False),
            "comment": serializers.CharField(required=False),
            "note": serializers.CharField(required=False),
            "duplicate_of": serializers.CharField(required=False),
            "service": serializers.CharField(required=False),
            "agency_name": serializers.CharField(required=False),
        }),
        responses={200: ComplaintDetailSerializer, 400: ERROR, 401: ERROR, 403: ERROR,
                   404: ERROR, 409: ERROR, 413: ERROR, 415: ERROR, 429: ERROR},
    )
    def post(self, request: Request, tracking_number: str, action: str) -> Response:
        if action not in Action.values:
            raise exceptions.NotFound(f"There is no action {action[:40]!r}.")
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        actor, complaint = acting_on(request, tracking_number)
        complaint = services.complaint_transition(
            complaint=complaint, action=action, actor=actor, payload=request.data)
        return json_response(detail(actor, complaint, request))


class EventListView(generics.ListAPIView):
    serializer_class = EventSerializer
    pagination_class = None

    @extend_schema(summary="The audit trail of one complaint, with its hash chain",
                   responses={200: EventSerializer(many=True), 401: ERROR, 404: ERROR})
    def get(self, request: Request, tracking_number: str) -> Response:
        complaint = _staff_complaint(request, tracking_number)
        events = complaint.events.select_related("complaint").order_by("seq")
        return Response(EventSerializer(events, many=True).data)


class EventVerifyView(APIView):
    @extend_schema(
        summary="Recompute the hash chain of one complaint",
        responses={200: inline_serializer("ChainReport", {
            "tracking_number": serializers.CharField(), "ok": serializers.BooleanField(),
            "events": serializers.IntegerField(),
            "broken_seq": serializers.IntegerField(allow_null=True),
            "reason": serializers.CharField(),
        }), 401: ERROR, 404: ERROR},
    )
    def get(self, request: Request, tracking_number: str) -> Response:
        report = verify_complaint(_staff_complaint(request, tracking_number))
        return Response({"tracking_number": report.tracking_number, "ok": report.ok,
                         "events": report.events, "broken_seq": report.broken_seq,
                         "reason": report.reason})


class ReporterView(APIView):
    throttle_classes = [CitizenThrottle]
    @extend_schema(
        summary="The reporter's identity (recorded in the audit trail)",
        description="Only for roles that may see it: never the handling unit of an anonymous "
                    "complaint; the ombudsman only with the reporter's consent.",
        responses={200: inline_serializer("Reporter", {
            "name": serializers.CharField(), "email": serializers.CharField(),
            "phone": serializers.CharField(), "id_number": serializers.CharField(),
            "address": serializers.CharField(),
            "consent_to_share": serializers.BooleanField(),
        }), 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR},
    )
    def get(self, request: Request, tracking_number: str) -> Response:
        actor, complaint = acting_on(request, tracking_number)
        reporter = services.reporter_for(complaint, actor)
        if reporter is None:
            raise exceptions.PermissionDenied("You may not see this reporter's identity.")
        return Response({f: getattr(reporter, f) for f in (
            "name", "email", "phone", "id_number", "address", "consent_to_share")})


def _staff_complaint(request: Request, tracking_number: str) -> Complaint:
    actor = staff_actor(request)
    if actor is None:
        raise exceptions.NotAuthenticated()
    return scoped_complaint(actor, tracking_number)


class ServiceListView(generics.ListAPIView):
    serializer_class = ServiceSerializer
    pagination_class = None

    in_force: dict[int, ServiceStandard] = {}

    def get_queryset(self) -> QuerySet[Service]:
        return Service.objects.taking_complaints().order_by("agency__path", "name")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Kept as the citizen's form keeps its list (selectors.CATALOGUE_SECONDS): writing
        300 services with their clocks and tiers was five sixths of the answer's time."""
        services = list(self.get_queryset())
        self.in_force = standards_in_force(services, timezone.now())
        key = "api.services." + catalogue_key(
            (service.pk, getattr(self.in_force.get(service.pk), "pk", None))
            for service in services)
        data = cache.get(key)
        if data is None:
            prefetch_related_objects(list(self.in_force.values()), "clocks", "tiers")
            data = list(self.get_serializer(services, many=True).data)
            cache.set(key, data, CATALOGUE_SECONDS)
        return Response(data)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "in_force": self.in_force}

    @extend_schema(summary="Services with the standard in force and its clock targets",
                   responses={200: ServiceSerializer(many=True), 401: ERROR})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
