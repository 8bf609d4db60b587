"""The statistics everyone asks first, kept computed ahead by the SLA worker.

The public statistics page and `GET /api/v1/stats/`, both without filters, are what a
visitor opens first. Each is kept a period in the shared cache and answered stale while one
request computes its successor (config.cache.get_or_compute), but a question nobody asked
for two periods cost its first asker the whole computation: 4.5–5 s at a million
complaints (docs/performance.md, finding 35). `warm_public_statistics` computes them before
they go stale; settings.STATISTICS_WARM says whether the worker does.
"""

from __future__ import annotations

import functools
import math
import time

from django.conf import settings
from django.utils import timezone

from api.stats.serializers import StatsQuerySerializer
from api.stats.views import stats_question
from complaints.views.statistics import StatisticsFilterForm, public_figures_question
from config.cache import fresh_for, is_computing, is_due, refresh
from config.routers import reading_from_replica
from workflow.stats import Statistics, complaint_statistics


def warm_public_statistics(ahead_seconds: float = 0) -> list[str]:
    """Compute the questions without filters when the figures of either are missing or go
    stale within `ahead_seconds`, each unless someone computes it already; the keys
    computed."""
    page, api = StatisticsFilterForm({}), StatsQuerySerializer(data={})
    page.is_valid()  # no filter given: valid, and cleaned as a visitor's empty form
    api.is_valid(raise_exception=True)
    # Both questions count everything the same way: counted once for both (finding 37), and
    # its time sets how long the figures of both stay fresh (finding 56).
    took = 0.0

    @functools.cache
    def everything() -> Statistics:
        nonlocal took
        began = time.monotonic()
        statistics = complaint_statistics(now=timezone.now())
        took = time.monotonic() - began
        return statistics

    questions = (public_figures_question(page.cleaned_data, everything),
                 stats_question({}, api.validated_data, everything))
    # When either is due both are computed, from the one count: kept fresh apart, each came
    # due at a pass of its own and counted everything again (finding 56). While another
    # worker computes either, it computes both: a second count beside it was the rule at five
    # million, where a count outlasts the 30 s between a worker's passes.
    if (any(is_computing(key) for key, _ in questions)
            or not any(is_due(key, ahead_seconds) for key, _ in questions)):
        return []
    computed = []
    with reading_from_replica():
        for key, compute in questions:
            fresh = fresh_for(settings.STATISTICS_CACHE_SECONDS, took)
            if refresh(key, compute, fresh, ahead_seconds=math.inf):
                computed.append(key)
    return computed
