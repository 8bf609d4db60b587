"""The public statistics page and the staff dashboard.

Both show the numbers of `workflow.stats`: `complaint_statistics` (the same code as
`GET /api/v1/stats/`) on the public page, `scoped_statistics` (the same queries, restricted to
the complaints the staff member may see) on the dashboard, plus the chart series
`weekly_volume` and `backlog_by_age`. Each chart is built here once, with translated labels,
and shown twice from the same object: as a Chart.js canvas (static/js/charts.js reads it from
`json_script`) and as a data table for screen readers and browsers without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from complaints.forms.citizen import ErrorSummaryMixin
from complaints.models import Agency, Service
from complaints.selectors import by_grants_alone, scope_filter, sees_everything
from complaints.views.staff import actor_zone
from config.cache import Busy, get_or_compute, kept_seconds
from config.routers import replica_reads
from workflow.permissions import Actor
from workflow.states import ClockName, ClockStatus, State
from workflow.stats import (
    AGENCY_CLOCKS,
    BUSY_RETRY_SECONDS,
    OPEN_STATES,
    PUBLIC_COMPUTATIONS,
    AgeBucket,
    Headlines,
    Statistics,
    WeekVolume,
    backlog_by_age,
    complaint_statistics,
    scoped_statistics,
    staff_headlines,
    weekly_volume,
)

WEEKS = 12
# Where the page shows its time: the agency's zone when one is chosen, else Jakarta (WIB).
DEFAULT_ZONE = "Asia/Jakarta"


class StatisticsFilterForm(ErrorSummaryMixin, forms.Form):
    """The filters of `GET /api/v1/stats/`, with the same meaning (docs/statistics.md)."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), to_field_name="code", required=False,
        label=_("Agency"), empty_label=_("All agencies"),
        help_text=_("Includes the agency's units."),
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.select_related("agency").order_by("name", "agency__name"),
        to_field_name="code", required=False, label=_("Service"),
        empty_label=_("All services"),
    )
    received_after = forms.DateField(
        required=False, label=_("Received from"), input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Local date of receipt, YYYY-MM-DD."),
    )
    received_before = forms.DateField(
        required=False, label=_("Received until"), input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Local date of receipt, YYYY-MM-DD; this day included."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ModelChoiceField)
        field.label_from_instance = lambda s: f"{s.name} ({s.agency.name})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        after, before = data.get("received_after"), data.get("received_before")
        if after and before and after > before:
            self.add_error("received_before",
                           _("The end date must not be before the start date."))
        return data


# --- the charts, built once and shown as a canvas and as a table ------------------------

STATE_LABELS = {s.value: s.label for s in State}
CLOCK_LABELS = {name: ClockName(name).label for name in AGENCY_CLOCKS}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: list[float | int | None]


@dataclass(frozen=True)
class Chart:
    """One chart: `labels` along the category axis, one value per label in each series."""

    id: str
    title: str
    description: str
    category: str  # what the labels are: the header of the table's first column
    axis: str  # what the values are
    unit: str  # "count", "percent" or "hours": how the table and tooltips format values
    labels: list[str]
    series: list[Series]
    stacked: bool = False
    horizontal: bool = False

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, label in enumerate(self.labels):
            values = [s.values[i] for s in self.series]
            # Stacked series add up: the table shows their sum, as the bar's length does.
            total = sum(v or 0 for v in values) if self.stacked else None
            rows.append({"label": label, "values": values, "total": total})
        return rows

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": str(self.title), "axis": str(self.axis), "unit": self.unit,
            "stacked": self.stacked, "horizontal": self.horizontal,
            "labels": [str(label) for label in self.labels],
            "series": [{"key": s.key, "label": str(s.label), "values": s.values}
                       for s in self.series],
        }


def weekly_chart(weeks: list[WeekVolume]) -> Chart:
    return Chart(
        id="weekly", title=_("Complaints received per week, by current state"),
        description=_("Complaints received in each of the last %(weeks)d weeks (Monday to "
                      "Sunday, local date of receipt), by the state they are in now.")
        % {"weeks": len(weeks)},
        category=_("Week starting"), axis=_("Complaints"), unit="count", stacked=True,
        labels=[date_format(w.week_start, "j M Y") for w in weeks],
        series=[Series(s.value, s.label, [w.by_state[s.value] for w in weeks]) for s in State],
    )


def _service_rows(statistics: Statistics) -> list[tuple[str, Any]]:
    """(label, figures) per service, named with its agency: codes are unique, names need not
    be."""
    return [(f"{s.name} — {a.name}", s) for a in statistics.agencies for s in a.services]


def on_time_chart(statistics: Statistics) -> Chart:
    rows = _service_rows(statistics)
    return Chart(
        id="on-time", title=_("On-time percentage per clock and service"),
        description=_("Clocks stopped by their deadline, as a percentage of the clocks "
                      "decided (met or breached); clocks still running are left out."),
        category=_("Service"), axis=_("On time (%)"), unit="percent", horizontal=True,
        labels=[label for label, _figures in rows],
        series=[Series(name, CLOCK_LABELS[name],
                       [figures.clocks[name].on_time_percent for _label, figures in rows])
                for name in AGENCY_CLOCKS],
    )


def backlog_chart(buckets: list[AgeBucket]) -> Chart:
    return Chart(
        id="backlog", title=_("Open complaints by age"),
        description=_("Complaints not yet closed, by whole days since they were received."),
        category=_("Days since receipt"), axis=_("Complaints"), unit="count", stacked=True,
        labels=[_age_label(b) for b in buckets],
        series=[Series(state, STATE_LABELS[state], [b.by_state[state] for b in buckets])
                for state in OPEN_STATES],
    )


def _age_label(bucket: AgeBucket) -> str:
    if bucket.last_day is None:
        return str(_("more than %(days)d days") % {"days": bucket.first_day - 1})
    return str(_("%(first)d–%(last)d days") % {"first": bucket.first_day,
                                                "last": bucket.last_day})


def first_response_chart(statistics: Statistics) -> Chart:
    rows = _service_rows(statistics)
    return Chart(
        id="first-response", title=_("Median time to first response per service"),
        description=_("Hours from receipt to the first response, for complaints responded "
                      "to at least once; half were answered faster."),
        category=_("Service"), axis=_("Hours"), unit="hours", horizontal=True,
        labels=[label for label, _figures in rows],
        series=[Series("median", _("Median (hours)"),
                       [f.time_to_first_response.median_hours for _label, f in rows]),
                Series("p90", _("90th percentile (hours)"),
                       [f.time_to_first_response.p90_hours for _label, f in rows])],
    )


def charts_for(statistics: Statistics, weeks: list[WeekVolume],
               buckets: list[AgeBucket]) -> list[Chart]:
    return [weekly_chart(weeks), on_time_chart(statistics), backlog_chart(buckets),
            first_response_chart(statistics)]


def chart_data(charts: list[Chart]) -> dict[str, Any]:
    """What static/js/charts.js draws: plain JSON with the page's (translated) words."""
    return {
        "charts": [chart.as_data() for chart in charts],
        "units": {"percent": "%", "hours": str(pgettext_lazy("unit after a number", "h"))},
    }


# --- the tables of figures ------------------------------------------------------------

def figure_rows(statistics: Statistics, by_service: bool) -> list[dict[str, Any]]:
    """Rows of the figure tables, per agency row or per service, then the totals; each with
    its numbers in the order of the tables' columns."""
    if by_service:
        labelled = _service_rows(statistics)
    else:
        labelled = [(a.name, a) for a in statistics.agencies]
    if labelled:
        labelled.append((str(_("All selected complaints")), statistics.totals))
    rows = []
    for index, (label, figures) in enumerate(labelled):
        clocks = [figures.clocks[name] for name in AGENCY_CLOCKS]
        rows.append({
            "label": label, "figures": figures, "total": index == len(labelled) - 1,
            "states": [figures.by_state[s.value] for s in State],
            "clocks": [{"on_time_percent": c.on_time_percent, "met": c.met,
                        "decided": c.met + c.breached} for c in clocks],
            "hours": [figures.time_to_first_response.median_hours,
                      figures.time_to_first_response.p90_hours,
                      figures.time_to_closure.median_hours, figures.time_to_closure.p90_hours],
        })
    return rows


# --- the views --------------------------------------------------------------------------

@replica_reads
def public_statistics(request: HttpRequest) -> HttpResponse:
    # An empty parameter (`?agency=`) means the filter is not applied, as in the API.
    params = {k: v for k, v in request.GET.items() if v != ""}
    form = StatisticsFilterForm(params)
    if not form.is_valid():
        # No numbers for a question that was not understood: a mistyped code must never read
        # as "no complaints".
        return render(request, "citizen/statistics.html", {"form": form}, status=400)
    filters = form.cleaned_data
    key, compute = public_figures_question(filters)
    try:
        statistics, weeks, buckets = get_or_compute(
            key, compute, settings.STATISTICS_CACHE_SECONDS, PUBLIC_COMPUTATIONS)
    except Busy:
        response = render(request, "citizen/statistics.html",
                          {"form": form, "busy_seconds": BUSY_RETRY_SECONDS}, status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
    by_service = bool(filters.get("agency") or filters.get("service"))
    charts = SimpleLazyObject(lambda: charts_for(statistics, weeks, buckets))
    zone = filters["agency"].time_zone if filters.get("agency") else DEFAULT_ZONE
    api_url = _api_url(params)
    return render(request, "citizen/statistics.html", {
        "form": form, "statistics": statistics, "by_service": by_service, "zone": zone,
        "weeks": WEEKS, "api_url": api_url,
        # The figures' HTML is the same for everyone who asks this question of these figures
        # in a language: written once and kept as long as the figures are (finding 35).
        "figures_html": (key, statistics.generated_at.isoformat(), api_url),
        "figures_seconds": kept_seconds(settings.STATISTICS_CACHE_SECONDS),
        # Built only when the kept HTML is not there.
        "rows": SimpleLazyObject(lambda: figure_rows(statistics, by_service)),
        "charts": charts, "chart_data": lambda: chart_data(charts),  # called when written
        "state_labels": STATE_LABELS, "clock_labels": CLOCK_LABELS,
    })


def _api_url(params: dict[str, str]) -> str:
    """The same question to `GET /api/v1/stats/`."""
    query = urlencode({k: v for k, v in params.items() if k in StatisticsFilterForm.base_fields})
    return f"{reverse('stats')}?{query}" if query else reverse("stats")


PublicFigures = tuple[Statistics, list[WeekVolume], list[AgeBucket]]


def public_figures_question(filters: dict[str, Any],
                            statistics: Callable[[], Statistics] | None = None,
                            ) -> tuple[str, Callable[[], PublicFigures]]:
    """The page's question for `filters` (the form's cleaned data): its key in the cache,
    and how its figures are computed. `statistics`, when given, answers its
    `complaint_statistics` (config.warming computes them once for the page and the API)."""
    agency, service = filters.get("agency"), filters.get("service")
    after, before = filters.get("received_after"), filters.get("received_before")
    key = ":".join(["statistics-page", agency.code if agency else "", service.code if service
                    else "", after.isoformat() if after else "",
                    before.isoformat() if before else ""])

    def compute() -> PublicFigures:
        now = timezone.now()
        figures = statistics() if statistics else complaint_statistics(
            now=now, agency=agency, service=service, received_after=after,
            received_before=before)
        return (
            figures,
            weekly_volume(now=now, weeks=WEEKS, agency=agency, service=service),
            backlog_by_age(now=now, agency=agency, service=service),
        )

    return key, compute


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    hint: str
    count: int
    url: str


def headlines_for(figures: Headlines) -> list[Headline]:
    queue = reverse("staff:queue")

    def link(**extra: str) -> str:
        return f"{queue}?{urlencode({'state': OPEN_STATES, **extra}, doseq=True)}"

    return [
        Headline("open", _("Open complaints"), _("Received, assigned or responded."),
                 figures.open, link()),
        Headline(ClockStatus.AT_RISK, _("At risk"),
                 _("A deadline is near: past its warning point."),
                 figures.at_risk, link(sla_status=ClockStatus.AT_RISK)),
        Headline(ClockStatus.BREACHED, _("Breached"), _("A deadline was missed."),
                 figures.breached, link(sla_status=ClockStatus.BREACHED)),
        Headline("due_today", _("Due today"),
                 _("A running deadline ends today; the queue lists the soonest first."),
                 figures.due_today, link()),
    ]


@login_required
@replica_reads
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = Actor.staff(request.user)
    statistics, weeks, buckets, headlines = _dashboard_figures(actor)
    charts = charts_for(statistics, weeks, buckets)
    return render(request, "staff/dashboard.html", {
        "statistics": statistics, "headlines": headlines_for(headlines),
        "zone": actor_zone(actor),
        "charts": charts, "chart_data": chart_data(charts), "weeks": WEEKS,
        "clock_rows": [{"label": CLOCK_LABELS[name], "figures": statistics.totals.clocks[name]}
                       for name in AGENCY_CLOCKS],
        "complaint_count": ngettext("%(count)d complaint", "%(count)d complaints",
                                    statistics.totals.complaints)
        % {"count": statistics.totals.complaints},
    })


def _dashboard_figures(actor: Actor) -> tuple[Statistics, list[WeekVolume], list[AgeBucket],
                                              Headlines]:
    """The dashboard's figures for the actor's scope, computed at most once a period per
    scope in the shared cache, as the public page's are: at a million complaints they take
    1–3 s for a unit or an agency and 7 s for everything (docs/performance.md, finding 15).
    The scope is what `scope_filter` reads: the grants, so a changed grant is a new question,
    and the person only when something is assigned to them outside their grants
    (`by_grants_alone`): the officers of a unit share one dashboard (finding 30), as every
    ombudsman and administrator shares the one of everything."""
    if sees_everything(actor):
        scope_key: object = "everything"
    else:
        actor = by_grants_alone(actor)
        user = actor.user.pk if actor.user is not None else None
        scope_key = (user, sorted((g.role, g.agency_id or 0) for g in actor.grants))
    key = "dashboard:" + hashlib.sha256(repr(scope_key).encode()).hexdigest()

    def compute() -> tuple[Statistics, list[WeekVolume], list[AgeBucket], Headlines]:
        now = timezone.now()
        scope = scope_filter(actor, by_key=True)
        assert scope is not None  # Actor.staff: a staff member's scope, perhaps empty
        # scoped_statistics rather than complaint_statistics(agency=…): supervisors and
        # officers see units and assignments, which no agency filter expresses. For a
        # coordinator the two give the same numbers (tests/workflow/test_stats_series.py).
        return (scoped_statistics(now=now, scope=scope),
                weekly_volume(now=now, weeks=WEEKS, scope=scope),
                backlog_by_age(now=now, scope=scope),
                staff_headlines(now=now, scope=scope))

    return get_or_compute(key, compute, settings.STATISTICS_CACHE_SECONDS)
