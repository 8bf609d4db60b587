"""`exports/complaints.csv`, `exports/complaints.jsonl` and `exports/events.jsonl`.

Thin views: they find the actor, validate every parameter before the first byte is sent (so
a bad filter is a 400 in the one error shape, not a broken download), scope through
complaints.selectors, and stream what api.exports.complaints / api.exports.feed produce.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django_filters import ChoiceFilter, IsoDateTimeFilter, MultipleChoiceFilter
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from api.exports import complaints as export
from api.exports import feed
from api.views import ERROR, Utf8Input, staff_actor
from complaints.filters import ComplaintFilterSet, RequestedFilters
from complaints.models import Complaint
from complaints.selectors import complaints_visible_to
from config.routers import replica_reads
from workflow.permissions import Actor

CSV_TYPE = "text/csv"
JSONL_TYPE = "application/x-ndjson"
NEXT_CURSOR_HEADER = "X-Next-Cursor"


class URLNamesTheFormat(BaseContentNegotiation):
    """The path says CSV or JSON Lines, so an `Accept` header never turns a download into
    a 406; the only thing DRF itself renders here is an error, always as JSON."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


@replica_reads
class ExportView(Utf8Input, APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = URLNamesTheFormat

    def actor(self, request: Request) -> Actor:
        actor = staff_actor(request)
        if actor is None:
            raise exceptions.NotAuthenticated()
        return actor


def streamed(lines: Iterable[str], content_type: str, filename: str
             ) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.encoded(lines),
                                     content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Tell a buffering proxy (nginx) to pass the stream on as it comes.
    response["X-Accel-Buffering"] = "no"
    patch_cache_control(response, private=True, no_store=True)
    return response


def filter_parameters() -> list[OpenApiParameter]:
    """The ComplaintFilterSet's parameters, read from the filter set itself, so the schema of
    the exports cannot drift from the filters the list endpoint takes."""
    parameters = []
    for name, field in ComplaintFilterSet.base_filters.items():
        # ModelMultipleChoiceFilter is a MultipleChoiceFilter whose choices are rows.
        many = isinstance(field, MultipleChoiceFilter)
        enum = None
        if isinstance(field, MultipleChoiceFilter | ChoiceFilter) and "choices" in field.extra:
            enum = [str(value) for value, _label in field.extra["choices"]]
        kind = OpenApiTypes.DATETIME if isinstance(field, IsoDateTimeFilter) \
            else OpenApiTypes.STR
        description = str(field.extra.get("help_text") or "")
        if isinstance(field, IsoDateTimeFilter):
            description = description or f"ISO 8601 instant with offset ({field.field_name} " \
                f"{'≥' if field.lookup_expr == 'gte' else '<'} this)."
        elif many:
            description = description or "Repeat the parameter for several values."
        parameters.append(OpenApiParameter(
            name, kind, OpenApiParameter.QUERY, required=False, many=many or None,
            explode=True if many else None, enum=enum, description=description,
        ))
    return parameters


FILTER_PARAMETERS = filter_parameters()
EXPORT_DESCRIPTION = (
    "Staff (their scope) and ombudsman (everything, confidential complaints included). "
    "Streamed; one row per complaint in (updated_at, id) order; takes every filter of "
    "`complaints/`, with `updated_since` for incremental pulls. Times in the agency's zone "
    "with its offset. Never the reporter's identity: fetch it per complaint from "
    "`complaints/{tracking_number}/reporter/` (an audited view). Columns: docs/ombudsman.md."
)


FILE_DESCRIPTIONS = {
    CSV_TYPE: "UTF-8 with a byte order mark, a header row, RFC 4180 quoting; text cells "
              "starting with = + - @ get a leading apostrophe. An attachment named with the "
              "date.",
    JSONL_TYPE: "One JSON object per line, clocks nested under `sla`. An attachment named "
                "with the date.",
}


def export_schema(media_type: str, summary: str, operation_id: str) -> Any:
    return extend_schema(
        operation_id=operation_id, summary=summary, description=EXPORT_DESCRIPTION,
        parameters=FILTER_PARAMETERS, tags=["exports"],
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.STR,
                                               description=FILE_DESCRIPTIONS[media_type]),
            400: ERROR, 401: ERROR,
        },
    )


class ComplaintExportView(ExportView):
    media_type = CSV_TYPE
    extension = "csv"

    def export(self, request: Request) -> StreamingHttpResponse:
        now = timezone.now()
        complaints = self.filtered(request, complaints_visible_to(self.actor(request)), now)
        filename = f"aduan-complaints-{timezone.localdate(now).isoformat()}.{self.extension}"
        return streamed(export.lines(complaints, now, self.extension), self.media_type,
                        filename)

    def filtered(self, request: Request, complaints: QuerySet[Complaint], now: dt.datetime
                 ) -> QuerySet[Complaint]:
        filterset = RequestedFilters(request.query_params, queryset=complaints,
                                     request=request, now=now)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.qs


class ComplaintCSVExportView(ComplaintExportView):
    @export_schema(CSV_TYPE, "Export complaints as CSV", "exports_complaints_csv")
    def get(self, request: Request) -> StreamingHttpResponse:
        return self.export(request)


class ComplaintJSONLExportView(ComplaintExportView):
    media_type = JSONL_TYPE
    extension = "jsonl"

    @export_schema(JSONL_TYPE, "Export complaints as JSON Lines", "exports_complaints_jsonl")
    def get(self, request: Request) -> StreamingHttpResponse:
        return self.export(request)


class FeedQuerySerializer(serializers.Serializer):
    after = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    limit = serializers.IntegerField(required=False, default=feed.DEFAULT_LIMIT, min_value=1,
                                     max_value=feed.MAX_LIMIT)


class EventFeedView(ExportView):
    @extend_schema(
        operation_id="exports_events", summary="The change feed of audit events",
        description=(
            "Every audit event in commit-safe order, strictly after the cursor `after`: "
            "following the cursor yields each event exactly once, even while transactions "
            "commit out of order. One JSON object per line (the fields of "
            "`complaints/{tracking_number}/events/` plus `cursor`), then a last line "
            "`{\"next_cursor\": …}`; the same cursor is in the `X-Next-Cursor` header. "
            "Fewer than `limit` events: you are up to date for now. Ombudsman: every event; "
            "staff: events of the complaints they may read. Verifying the chains: "
            "docs/ombudsman.md."
        ),
        parameters=[
            OpenApiParameter("after", OpenApiTypes.STR, OpenApiParameter.QUERY,
                             required=False,
                             description="An opaque cursor from `next_cursor` or an event's "
                                         "`cursor`; omit to start at the beginning. "
                                         "Malformed: 400 `invalid_cursor`."),
            OpenApiParameter("limit", OpenApiTypes.INT, OpenApiParameter.QUERY,
                             required=False,
                             description=f"Events per response: 1–{feed.MAX_LIMIT}, default "
                                         f"{feed.DEFAULT_LIMIT}."),
            OpenApiParameter(NEXT_CURSOR_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
                             response=[200],
                             description="Where the next request continues (`after=`)."),
        ],
        tags=["exports"],
        responses={(200, JSONL_TYPE): OpenApiResponse(
            OpenApiTypes.STR, description="Event lines, then the next-cursor line."),
            400: ERROR, 401: ERROR},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        actor = self.actor(request)
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = feed.parse_cursor(query.validated_data.get("after"))
        events = feed.visible_events(actor)
        page = feed.read_page(events, after, query.validated_data["limit"])
        filename = f"aduan-events-{timezone.localdate().isoformat()}.jsonl"
        response = streamed(feed.feed_lines(page, after), JSONL_TYPE, filename)
        response[NEXT_CURSOR_HEADER] = str(page.end or after)
        return response
