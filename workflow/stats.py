"""SLA statistics per agency and service: counts, on-time rates, response times, reopen rate.

Plain functions of `now` and the filters, free of HTTP, so that the public API
(`api/stats`), the staff dashboard and the public statistics page show the same numbers.
Every number is defined in docs/statistics.md, precisely enough to recompute from an export.

There are no per-complaint rows in the result, so confidential complaints are counted in
every number without ever being described.

The work is a fixed number of queries whatever the number of agencies, services and
complaints: one for the agency time zones (only with a date filter), one grouped count of
complaints, one grouped count of clocks, and one list of durations that are reduced to
percentiles here, in Python, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, Subquery

from complaints.models import Agency, Complaint, Service
from workflow.models import Clock, Event, status_conditions
from workflow.notifications import CITIZEN_CLOCKS
from workflow.states import Action, ClockName, ClockStatus, ClosureReason, State

# The clocks that measure the agency. info_wait and reply_window wait on the citizen and
# never count against the agency (DESIGN.md, "SLA clocks").
AGENCY_CLOCKS: tuple[str, ...] = tuple(c.value for c in ClockName if c not in CITIZEN_CLOCKS)
OPEN_STATUSES = (ClockStatus.RUNNING, ClockStatus.AT_RISK, ClockStatus.PAUSED)

MEDIAN, P90 = Decimal("0.5"), Decimal("0.9")
ONE_DECIMAL = Decimal("0.1")
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class Period:
    """Local dates of receipt in each complaint's agency time zone, both ends included."""

    received_after: dt.date | None = None
    received_before: dt.date | None = None


@dataclass(frozen=True)
class ClockFigures:
    met: int
    breached: int
    open: int
    on_time_percent: float | None


@dataclass(frozen=True)
class DurationFigures:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ReopenFigures:
    responded: int
    reopened: int
    rate_percent: float | None


@dataclass(frozen=True)
class Figures:
    complaints: int
    by_state: dict[str, int]
    by_closure_reason: dict[str, int]
    clocks: dict[str, ClockFigures]
    time_to_first_response: DurationFigures
    time_to_closure: DurationFigures
    reopen: ReopenFigures


@dataclass(frozen=True)
class ServiceStatistics(Figures):
    code: str
    name: str


@dataclass(frozen=True)
class AgencyStatistics(Figures):
    code: str
    name: str
    parent_code: str | None
    services: list[ServiceStatistics]


@dataclass(frozen=True)
class Statistics:
    generated_at: dt.datetime
    period: Period
    agency: str | None  # the filters, as codes
    service: str | None
    totals: Figures
    agencies: list[AgencyStatistics]


@dataclass
class _Tally:
    """Raw counts and durations (in seconds) of one group, before they become Figures."""

    states: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    clocks: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    first_response: list[Decimal] = field(default_factory=list)
    closure: list[Decimal] = field(default_factory=list)
    responded: int = 0
    reopened: int = 0

    def merge(self, other: _Tally) -> None:
        self.states.update(other.states)
        self.reasons.update(other.reasons)
        for name, counts in other.clocks.items():
            self.clocks[name].update(counts)
        self.first_response += other.first_response
        self.closure += other.closure
        self.responded += other.responded
        self.reopened += other.reopened

    def figures(self) -> Figures:
        return Figures(
            complaints=sum(self.states.values()),
            by_state={s.value: self.states[s.value] for s in State},
            by_closure_reason={r.value: self.reasons[r.value] for r in ClosureReason},
            clocks={name: _clock_figures(self.clocks[name]) for name in AGENCY_CLOCKS},
            time_to_first_response=_duration_figures(self.first_response),
            time_to_closure=_duration_figures(self.closure),
            reopen=ReopenFigures(self.responded, self.reopened,
                                 percent(self.reopened, self.responded)),
        )


def complaint_statistics(
    *,
    now: dt.datetime,
    agency: Agency | None = None,
    service: Service | None = None,
    received_after: dt.date | None = None,
    received_before: dt.date | None = None,
) -> Statistics:
    """SLA statistics of the complaints selected by the filters, with clock status at `now`.

    `agency` selects the agency and all its units; the dates are local dates of receipt in
    each complaint's agency zone, both included.
    """
    period = Period(received_after, received_before)
    selection = _selection(agency, service, period)
    tallies, labels = _complaint_counts(selection)
    _clock_counts(tallies, selection, now)
    _durations(tallies, selection)
    return _assemble(now, period, agency, service, tallies, labels)


def percentile(values: Sequence[Decimal], fraction: Decimal) -> Decimal | None:
    """Linear interpolation between the closest ranks: rank = fraction × (n − 1) over the
    sorted values. The same as PostgreSQL's percentile_cont and a spreadsheet's
    PERCENTILE.INC; the median is the 0.5 percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percent(part: int, whole: int) -> float | None:
    """part / whole as a percentage rounded half up to 0.1; None when there is no whole."""
    if not whole:
        return None
    return _round(Decimal(part * 100) / Decimal(whole))


def _round(value: Decimal) -> float:
    return float(value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def _seconds(delta: dt.timedelta) -> Decimal:
    # Exact, to the microsecond: floats would make a tie round differently from a recount.
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6


def _clock_figures(counts: Counter[str]) -> ClockFigures:
    met, breached = counts[ClockStatus.MET], counts[ClockStatus.BREACHED]
    return ClockFigures(met=met, breached=breached, open=counts["open"],
                        on_time_percent=percent(met, met + breached))


def _duration_figures(seconds: list[Decimal]) -> DurationFigures:
    def hours(fraction: Decimal) -> float | None:
        value = percentile(seconds, fraction)
        return None if value is None else _round(value / SECONDS_PER_HOUR)

    return DurationFigures(count=len(seconds), median_hours=hours(MEDIAN), p90_hours=hours(P90))


# --- the queries ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Selection:
    """The filters as a condition on complaints, and on clocks through `complaint__`."""

    complaints: Q
    clocks: Q


def _selection(agency: Agency | None, service: Service | None, period: Period) -> _Selection:
    conditions: dict[str, object] = {}
    if agency is not None:
        conditions["agency__path__startswith"] = agency.path
    if service is not None:
        conditions["service"] = service
    q = Q(**conditions)
    if period.received_after or period.received_before:
        q &= _received_between(period)
    return _Selection(complaints=q, clocks=_prefixed(q, "complaint__"))


def _received_between(period: Period) -> Q:
    """One condition per agency time zone: a local date starts at a different instant in
    Jakarta, Makassar and Jayapura."""
    zones = Agency.objects.order_by().values_list("time_zone", flat=True).distinct()
    either = Q(pk__in=[])
    for name in zones:
        zone, bounds = ZoneInfo(name), Q(agency__time_zone=name)
        if period.received_after:
            bounds &= Q(received_at__gte=_local_midnight(period.received_after, zone))
        if period.received_before:
            next_day = period.received_before + dt.timedelta(days=1)
            bounds &= Q(received_at__lt=_local_midnight(next_day, zone))
        either |= bounds
    return either


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _prefixed(q: Q, prefix: str) -> Q:
    return Q(*(_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1])
               for c in q.children), _connector=q.connector, _negated=q.negated)


GroupKey = tuple[int, int]  # (agency id, service id)


@dataclass(frozen=True)
class _Label:
    agency_code: str
    agency_name: str
    parent_code: str | None
    service_code: str
    service_name: str


Labels = dict[GroupKey, _Label]


def _complaint_counts(selection: _Selection) -> tuple[dict[GroupKey, _Tally], Labels]:
    rows = (
        Complaint.objects.filter(selection.complaints).order_by()
        .values("agency_id", "agency__code", "agency__name", "agency__parent__code",
                "service_id", "service__code", "service__name", "state", "closure_reason")
        .annotate(n=Count("pk"),
                  responded=Count("pk", filter=Q(responded_at__isnull=False)),
                  reopened=Count("pk", filter=Q(dispute_count__gt=0)))
    )
    tallies: dict[GroupKey, _Tally] = defaultdict(_Tally)
    labels: Labels = {}
    for row in rows:
        key = (row["agency_id"], row["service_id"])
        tally = tallies[key]
        tally.states[row["state"]] += row["n"]
        if row["closure_reason"]:
            tally.reasons[row["closure_reason"]] += row["n"]
        tally.responded += row["responded"]
        tally.reopened += row["reopened"]
        labels[key] = _Label(row["agency__code"], row["agency__name"],
                             row["agency__parent__code"], row["service__code"],
                             row["service__name"])
    return tallies, labels


def _clock_counts(tallies: dict[GroupKey, _Tally], selection: _Selection,
                  now: dt.datetime) -> None:
    # The one definition of a clock's status (workflow.models.status_conditions), so these
    # counts agree with the badges of the pages, the API and the exports.
    status = status_conditions(now)
    open_ = Q()
    for s in OPEN_STATUSES:
        open_ |= status[s]
    rows = (
        Clock.objects.filter(selection.clocks, name__in=AGENCY_CLOCKS).order_by()
        .values("complaint__agency_id", "complaint__service_id", "name")
        .annotate(met=Count("pk", filter=status[ClockStatus.MET]),
                  breached=Count("pk", filter=status[ClockStatus.BREACHED]),
                  open=Count("pk", filter=open_))
    )
    for row in rows:
        counts = tallies[(row["complaint__agency_id"], row["complaint__service_id"])]
        counts.clocks[row["name"]].update(
            {ClockStatus.MET.value: row["met"], ClockStatus.BREACHED.value: row["breached"],
             "open": row["open"]})


def _durations(tallies: dict[GroupKey, _Tally], selection: _Selection) -> None:
    # The first response is the first `respond` event: `responded_at` is the latest one, and
    # `first_answered_at` also counts requests for information, rejections and referrals.
    first_respond = (Event.objects.filter(complaint=OuterRef("pk"), action=Action.RESPOND)
                     .order_by("seq").values("occurred_at")[:1])
    rows = (
        Complaint.objects.filter(selection.complaints)
        .filter(Q(responded_at__isnull=False) | Q(closed_at__isnull=False)).order_by()
        .annotate(first_response_at=Subquery(first_respond))
        .values_list("agency_id", "service_id", "received_at", "first_response_at", "closed_at")
    )
    for agency_id, service_id, received_at, first_response_at, closed_at in rows:
        tally = tallies[(agency_id, service_id)]
        if first_response_at is not None:
            tally.first_response.append(_seconds(first_response_at - received_at))
        if closed_at is not None:
            tally.closure.append(_seconds(closed_at - received_at))


def _assemble(now: dt.datetime, period: Period, agency: Agency | None,
              service: Service | None, tallies: dict[GroupKey, _Tally],
              labels: Labels) -> Statistics:
    totals = _Tally()
    by_agency: dict[int, list[GroupKey]] = defaultdict(list)
    for key in labels:
        by_agency[key[0]].append(key)
    agencies = []
    for keys in by_agency.values():
        agency_tally = _Tally()
        services = []
        for key in sorted(keys, key=lambda k: labels[k].service_code):
            agency_tally.merge(tallies[key])
            services.append(ServiceStatistics(
                **vars(tallies[key].figures()),
                code=labels[key].service_code, name=labels[key].service_name,
            ))
        totals.merge(agency_tally)
        label = labels[keys[0]]
        agencies.append(AgencyStatistics(
            **vars(agency_tally.figures()), code=label.agency_code, name=label.agency_name,
            parent_code=label.parent_code, services=services,
        ))
    agencies.sort(key=lambda a: a.code)
    return Statistics(
        generated_at=now, period=period, agency=agency.code if agency else None,
        service=service.code if service else None, totals=totals.figures(), agencies=agencies,
    )
