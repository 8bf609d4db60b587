"""`GET /api/v1/stats/`: public SLA statistics per agency and service."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.stats.serializers import StatsQuerySerializer, StatsSerializer
from api.views import Utf8Input
from config.cache import Busy, get_or_compute
from config.routers import replica_reads
from workflow.stats import (
    BUSY_RETRY_SECONDS,
    PUBLIC_COMPUTATIONS,
    Statistics,
    complaint_statistics,
)


class StatisticsBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "statistics_busy"
    default_detail = ("The statistics of other questions are being computed now. Ask again "
                      f"in {BUSY_RETRY_SECONDS} seconds.")
    wait = BUSY_RETRY_SECONDS  # sent as Retry-After


@replica_reads
class StatsView(Utf8Input, APIView):
    permission_classes = [AllowAny]
    # Public: a stale session or a bad token must not turn the statistics into a 401.
    authentication_classes: list = []

    @extend_schema(
        operation_id="stats",
        summary="SLA statistics per agency and service",
        description="Counts by state, on-time rates of the agency's clocks, time to first "
                    "response and to closure, and the reopen rate. Confidential complaints are "
                    "counted but never described. Definitions: docs/statistics.md.",
        parameters=[StatsQuerySerializer],
        responses={
            200: StatsSerializer,
            400: OpenApiResponse(ErrorSerializer,
                                 description="A bad date, an unknown agency or service code, "
                                             "or received_before earlier than received_after."),
            503: OpenApiResponse(ErrorSerializer,
                                 description="statistics_busy: this server is computing "
                                             "another question that no one asked in the last "
                                             "minutes; ask again after Retry-After seconds."),
        },
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        # An empty parameter (`?agency=`) means the filter is not applied.
        params = {k: v for k, v in request.query_params.items() if v != ""}
        query = StatsQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        # Computed at most once a period per question, in the shared cache: the endpoint is
        # public and aggregates everything, so repeated calls must not each cost that.
        try:
            data = get_or_compute(*stats_question(params, query.validated_data),
                                  settings.STATISTICS_CACHE_SECONDS, PUBLIC_COMPUTATIONS)
        except Busy:
            raise StatisticsBusy from None
        response = Response(data)
        # Public figures that change slowly: a proxy or browser may keep them as long.
        patch_cache_control(response, public=True, max_age=settings.STATISTICS_CACHE_SECONDS)
        return response


def stats_question(params: dict[str, str], filters: dict[str, Any],
                   statistics: Callable[[], Statistics] | None = None,
                   ) -> tuple[str, Callable[[], dict[str, Any]]]:
    """The endpoint's question for the query `params` (and `filters`, as
    StatsQuerySerializer validates them): its key in the cache, and how its answer is
    computed. `statistics`, when given, computes the figures (config.warming computes them
    once for the API and the page)."""
    key = "stats:" + hashlib.sha256(json.dumps(sorted(params.items())).encode()).hexdigest()
    figures = statistics or (lambda: complaint_statistics(now=timezone.now(), **filters))
    return key, lambda: StatsSerializer(figures()).data
