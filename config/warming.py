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
import time

from django.conf import settings
from django.utils import timezone

from api.stats.serializers import StatsQuerySerializer
from api.stats.views import stats_question
from complaints.views.statistics import StatisticsFilterForm, public_figures_question
from config.cache import fresh_for, refresh
from config.routers import reading_from_replica
from workflow.stats import Statistics, complaint_statistics


def warm_public_statistics(ahead_seconds: float = 0) -> list[str]:
    """Compute each question without filters whose figures are missing or go stale within
    `ahead_seconds`, unless someone computes them already; the keys computed."""
    page, api = StatisticsFilterForm({}), StatsQuerySerializer(data={})
    page.is_valid()  # no filter given: valid, and cleaned as a visitor's empty form
    api.is_valid(raise_exception=True)
    # Both questions count everything the same way: computed once, for whichever of them
    # is due (finding 37), and its time sets how long the figures of both stay fresh
    # (finding 56).
    took = 0.0

    @functools.cache
    def everything() -> Statistics:
        nonlocal took
        began = time.monotonic()
        statistics = complaint_statistics(now=timezone.now())
        took = time.monotonic() - began
        return statistics

    computed = []
    with reading_from_replica():
        for key, compute in (public_figures_question(page.cleaned_data, everything),
                             stats_question({}, api.validated_data, everything)):
            fresh = fresh_for(settings.STATISTICS_CACHE_SECONDS, took)
            if refresh(key, compute, fresh, ahead_seconds):
                computed.append(key)
    return computed
