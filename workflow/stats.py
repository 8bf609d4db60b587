"""SLA statistics per agency and service: counts, on-time rates, response times, reopen rate.

Plain functions of `now` and the filters, free of HTTP, so that the public API
(`api/stats`), the staff dashboard and the public statistics page show the same numbers.
Every number is defined in docs/statistics.md, precisely enough to recompute from an export.

There are no per-complaint rows in the result, so confidential complaints are counted in
every number without ever being described.

The work is a fixed number of queries whatever the number of agencies, services and
complaints: one for the agency time zones (only with a date filter), one count of
complaints grouped by keys and one read each of the names of its agencies and services, one
grouped count of clocks, and one for the durations' percentiles (on PostgreSQL only the
values at their ranks come back; on SQLite every duration does).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncWeek

from complaints.models import Agency, Complaint, Service
from config.cache import Slots
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

# The public questions (the API's and the public page's) computed at once: one in each
# process, so that visitors asking many different questions at once hold at most one thread of
# each app-server process, and STATISTICS_COMPUTATIONS on the database among all of them; the
# others are answered kept figures or told to come back (config/cache.py,
# docs/statistics.md). Their advisory locks' class: "Adua" in ASCII, used for nothing else.
PUBLIC_COMPUTATIONS = Slots(lock_class=0x41647561,
                            limit=lambda: settings.STATISTICS_COMPUTATIONS)
# What those told to come back are told: about the time one question takes at a million.
BUSY_RETRY_SECONDS = 5


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
    """Raw counts of one group, before they become Figures. (Durations are not counts: the
    percentiles of a group cannot be summed from its parts, see `_durations`.)"""

    states: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    clocks: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    responded: int = 0
    reopened: int = 0

    def merge(self, other: _Tally) -> None:
        self.states.update(other.states)
        self.reasons.update(other.reasons)
        for name, counts in other.clocks.items():
            self.clocks[name].update(counts)
        self.responded += other.responded
        self.reopened += other.reopened

    def figures(self, durations: Durations) -> Figures:
        return Figures(
            complaints=sum(self.states.values()),
            by_state={s.value: self.states[s.value] for s in State},
            by_closure_reason={r.value: self.reasons[r.value] for r in ClosureReason},
            clocks={name: _clock_figures(self.clocks[name]) for name in AGENCY_CLOCKS},
            time_to_first_response=durations[0],
            time_to_closure=durations[1],
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
    return _statistics(now, period, agency, service, _selection(agency, service, period))


def _statistics(now: dt.datetime, period: Period, agency: Agency | None,
                service: Service | None, selection: _Selection) -> Statistics:
    tallies, labels = _complaint_counts(selection)
    _clock_counts(tallies, selection, now)
    return _assemble(now, period, agency, service, tallies, labels, _durations(selection))


def percentile(values: Sequence[Decimal], fraction: Decimal) -> Decimal | None:
    """Linear interpolation between the closest ranks: rank = fraction × (n − 1) over the
    sorted values. The same as PostgreSQL's percentile_cont and a spreadsheet's
    PERCENTILE.INC; the median is the 0.5 percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return _interpolated(len(ordered), fraction, ordered.__getitem__)


def _ranks(count: int, fraction: Decimal) -> tuple[int, int]:
    """The closest ranks (0-based, in ascending order) around fraction × (count − 1)."""
    rank = fraction * (count - 1)
    return math.floor(rank), math.ceil(rank)


def _interpolated(count: int, fraction: Decimal, at: Callable[[int], Decimal]) -> Decimal:
    """The percentile of `count` values, `at(i)` giving the i-th smallest."""
    low, high = _ranks(count, fraction)
    return at(low) + (at(high) - at(low)) * (fraction * (count - 1) - low)


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


def _duration_figures(count: int, at: Callable[[int], Decimal]) -> DurationFigures:
    """The figures of `count` durations, `at(i)` giving the i-th shortest in seconds."""
    def hours(fraction: Decimal) -> float | None:
        if not count:
            return None
        return _round(_interpolated(count, fraction, at) / SECONDS_PER_HOUR)

    return DurationFigures(count=count, median_hours=hours(MEDIAN), p90_hours=hours(P90))


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
    # Grouped by keys, and the names read for the groups found: grouped by the names too,
    # PostgreSQL sorted a million complaints by nine columns on disk (3 s, against 0.5 s).
    rows = (
        Complaint.objects.filter(selection.complaints).order_by()
        .values("agency_id", "service_id", "state", "closure_reason")
        .annotate(n=Count("pk"),
                  responded=Count("pk", filter=Q(responded_at__isnull=False)),
                  reopened=Count("pk", filter=Q(dispute_count__gt=0)))
    )
    tallies: dict[GroupKey, _Tally] = defaultdict(_Tally)
    for row in rows:
        tally = tallies[(row["agency_id"], row["service_id"])]
        tally.states[row["state"]] += row["n"]
        if row["closure_reason"]:
            tally.reasons[row["closure_reason"]] += row["n"]
        tally.responded += row["responded"]
        tally.reopened += row["reopened"]
    agencies = {pk: names for pk, *names in Agency.objects.filter(
        pk__in={a for a, _ in tallies}).values_list("pk", "code", "name", "parent__code")}
    services = {pk: names for pk, *names in Service.objects.filter(
        pk__in={s for _, s in tallies}).values_list("pk", "code", "name")}
    labels = {key: _Label(*agencies[key[0]], *services[key[1]]) for key in tallies}
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


# A group of complaints for durations: (agency, service), (agency, None) for an agency and
# its services, (None, None) for all of them.
Level = tuple[int | None, int | None]
# Time to first response, time to closure.
Durations = tuple[DurationFigures, DurationFigures]
NO_DURATIONS: Durations = (DurationFigures(0, None, None), DurationFigures(0, None, None))
FRACTIONS = (MEDIAN, P90)


def _durations(selection: _Selection) -> dict[Level, Durations]:
    """Time to first response and to closure, in each group and at each level: the
    percentiles of an agency or of all complaints are taken over their own durations, which
    no sum of their services' figures gives."""
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
    if connections[rows.db].vendor == "postgresql":
        return _durations_in_sql(rows)
    found: defaultdict[Level, tuple[list[Decimal], list[Decimal]]] = defaultdict(
        lambda: ([], []))
    for agency_id, service_id, received_at, first_response_at, closed_at in rows:
        ends = (first_response_at, closed_at)
        for level in ((agency_id, service_id), (agency_id, None), (None, None)):
            for values, end in zip(found[level], ends, strict=True):
                if end is not None:
                    values.append(_seconds(end - received_at))
    return {level: tuple(_duration_figures(len(values), sorted(values).__getitem__)
                         for values in lists) for level, lists in found.items()}


def _durations_in_sql(rows: QuerySet) -> dict[Level, Durations]:
    """The same figures from PostgreSQL: it sorts each level's durations (in whole
    microseconds, exact as `_seconds`) and sends only the values at the ranks the
    percentiles need, instead of every complaint's row. At a million complaints the Python
    way held 900,000 durations in memory and took most of the statistics' time."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a condition nothing can meet (a date filter, no agency yet)
        return {}
    picked = ", ".join(
        f"{values}[{rounded}({fraction} * ({values}_n - 1))::int + 1]"
        for values in ("first", "closure") for fraction in FRACTIONS
        for rounded in ("floor", "ceil"))
    statement = f"""
        SELECT agency_id, service_id, level, first_n, closure_n, {picked} FROM (
            SELECT agency_id, service_id, GROUPING(agency_id, service_id) AS level,
                   count(first) AS first_n, count(closure) AS closure_n,
                   array_agg(first ORDER BY first) FILTER (WHERE first IS NOT NULL) AS first,
                   array_agg(closure ORDER BY closure) FILTER (WHERE closure IS NOT NULL)
                       AS closure
            FROM (SELECT agency_id, service_id,
                         {_micros("first_response_at")} - {_micros("received_at")} AS first,
                         {_micros("closed_at")} - {_micros("received_at")} AS closure
                  FROM ({sql}) AS d (agency_id, service_id, received_at, first_response_at,
                                     closed_at)) AS s
            GROUP BY GROUPING SETS ((agency_id, service_id), (agency_id), ())) AS g"""
    found: dict[Level, Durations] = {}
    with connections[rows.db].cursor() as cursor:
        cursor.execute(statement, params)
        for agency_id, service_id, level, first_n, closure_n, *values in cursor.fetchall():
            key = {0: (agency_id, service_id), 1: (agency_id, None)}.get(level, (None, None))
            seconds = [None if v is None else Decimal(v) / 10**6 for v in values]
            found[key] = (_picked_figures(first_n, seconds[:4]),
                          _picked_figures(closure_n, seconds[4:]))
    return found


def _micros(column: str) -> str:
    # An instant in whole microseconds: exact, and far quicker to sort than numeric seconds.
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def _picked_figures(count: int, values: list[Decimal]) -> DurationFigures:
    # values: for each fraction, the values at its lower and its higher rank.
    at: dict[int, Decimal] = {}
    if count:
        for fraction, low, high in zip(FRACTIONS, values[::2], values[1::2], strict=True):
            rank_low, rank_high = _ranks(count, fraction)
            at[rank_low], at[rank_high] = low, high
    return _duration_figures(count, at.__getitem__)


def _assemble(now: dt.datetime, period: Period, agency: Agency | None,
              service: Service | None, tallies: dict[GroupKey, _Tally],
              labels: Labels, durations: dict[Level, Durations]) -> Statistics:
    totals = _Tally()
    by_agency: dict[int, list[GroupKey]] = defaultdict(list)
    for key in labels:
        by_agency[key[0]].append(key)
    agencies = []
    for agency_id, keys in by_agency.items():
        agency_tally = _Tally()
        services = []
        for key in sorted(keys, key=lambda k: labels[k].service_code):
            agency_tally.merge(tallies[key])
            services.append(ServiceStatistics(
                **vars(tallies[key].figures(durations.get(key, NO_DURATIONS))),
                code=labels[key].service_code, name=labels[key].service_name,
            ))
        totals.merge(agency_tally)
        label = labels[keys[0]]
        agencies.append(AgencyStatistics(
            **vars(agency_tally.figures(durations.get((agency_id, None), NO_DURATIONS))),
            code=label.agency_code, name=label.agency_name, parent_code=label.parent_code,
            services=services,
        ))
    agencies.sort(key=lambda a: a.code)
    return Statistics(
        generated_at=now, period=period, agency=agency.code if agency else None,
        service=service.code if service else None,
        totals=totals.figures(durations.get((None, None), NO_DURATIONS)), agencies=agencies,
    )


# --- series for the charts of the statistics page and the staff dashboard -----------------
#
# Added for complaints/views/statistics.py. Each takes an optional `scope`: the condition
# on a complaint that the reader may see it (`complaints.selectors.scope_filter(actor,
# by_key=True)`), applied to the complaint table as it is. As `id IN (SELECT … scope)` it
# hid from PostgreSQL how many complaints the scope holds: at a million complaints each
# count read the whole table, and a coordinator's dashboard took 9–13 s (docs/performance.md
# finding 15). The scope names only the complaint's own columns and its forward relations
# (agency, unit, assignee), so it never multiplies the rows a grouping counts. Without a
# scope they count every complaint, confidential ones included: they return counts only,
# never rows.

OPEN_STATES: tuple[str, ...] = tuple(s.value for s in State if s != State.CLOSED)

# Backlog age buckets, in whole days since receipt: (first day, last day); None = no end.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 3), (4, 7), (8, 14), (15, 30), (31, 60), (61, None),
)


@dataclass(frozen=True)
class WeekVolume:
    week_start: dt.date  # the Monday of the ISO week
    iso_year: int
    iso_week: int
    by_state: dict[str, int]
    complaints: int


@dataclass(frozen=True)
class AgeBucket:
    first_day: int
    last_day: int | None  # None: "more than first_day − 1 days"
    by_state: dict[str, int]  # the open states only
    complaints: int


@dataclass(frozen=True)
class Headlines:
    """Counts of open complaints for the staff dashboard; each matches a filtered queue."""

    open: int
    at_risk: int
    breached: int
    due_today: int


def _filtered(scope: Q | None, agency: Agency | None,
              service: Service | None) -> QuerySet:
    complaints = Complaint.objects.order_by()
    if scope is not None:
        complaints = complaints.filter(scope)
    if agency is not None:
        complaints = complaints.filter(agency__path__startswith=agency.path)
    if service is not None:
        complaints = complaints.filter(service=service)
    return complaints


def _agency_zones() -> list[str]:
    return sorted(Agency.objects.order_by().values_list("time_zone", flat=True).distinct())


def weekly_volume(
    *,
    now: dt.datetime,
    weeks: int = 12,
    agency: Agency | None = None,
    service: Service | None = None,
    scope: Q | None = None,
) -> list[WeekVolume]:
    """Complaints received in each of the `weeks` ISO weeks (Monday to Sunday) up to the
    week of `now`, counted by their state at `now` (not the state they had that week).

    A complaint's week is the week of its local date of receipt in its agency's time zone,
    as for the date filters of `complaint_statistics`. The last week is the one containing
    `now`'s local date in the easternmost of those zones, so no complaint already received
    falls after the window. Weeks with no complaints are listed with zeros.

    Two queries whatever the number of complaints: the agencies' time zones, then one count
    grouped by (week, state).
    """
    zones = _agency_zones()
    if not zones or weeks < 1:
        return []
    today = max(now.astimezone(ZoneInfo(name)).date() for name in zones)
    last = today - dt.timedelta(days=today.weekday())
    starts = [last - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    # A day's margin: no zone is more than a day ahead of UTC, so no complaint of the first
    # week is cut off; complaints in the margin fall in an earlier week and are dropped below.
    since = dt.datetime.combine(starts[0] - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    week = Case(*(When(agency__time_zone=name,
                       then=TruncWeek("received_at", tzinfo=ZoneInfo(name)))
                  for name in zones), output_field=DateTimeField())
    rows = (_filtered(scope, agency, service).filter(received_at__gte=since)
            .annotate(week=week).values("week", "state").annotate(n=Count("pk")))
    counts: defaultdict[dt.date, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[_week_start(row["week"])][row["state"]] += row["n"]
    return [_week_volume(start, counts[start]) for start in starts]


def _week_start(value: dt.datetime | dt.date | str) -> dt.date:
    # The truncated local time comes back naive (PostgreSQL) or labelled UTC (SQLite); either
    # way its calendar date is the local Monday, read without any zone conversion.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


def _week_volume(start: dt.date, states: Counter[str]) -> WeekVolume:
    year, week, _day = start.isocalendar()
    by_state = {s.value: states[s.value] for s in State}
    return WeekVolume(week_start=start, iso_year=year, iso_week=week, by_state=by_state,
                      complaints=sum(by_state.values()))


def backlog_by_age(
    *,
    now: dt.datetime,
    agency: Agency | None = None,
    service: Service | None = None,
    scope: Q | None = None,
) -> list[AgeBucket]:
    """Open complaints (received, assigned or responded) at `now`, by age: the whole days
    elapsed since receipt, floor((now − received_at) / 24 h), in the buckets 0–3, 4–7, 8–14,
    15–30, 31–60 and more than 60 days. Every bucket is listed, with zeros.

    One query: a count grouped by (bucket, state).
    """
    bucket = Case(
        *(When(received_at__gt=now - dt.timedelta(days=last + 1), then=Value(index))
          for index, (_first, last) in enumerate(AGE_BUCKETS) if last is not None),
        default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField(),
    )
    rows = (_filtered(scope, agency, service).filter(state__in=OPEN_STATES)
            .annotate(bucket=bucket).values("bucket", "state").annotate(n=Count("pk")))
    counts: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[row["bucket"]][row["state"]] += row["n"]
    buckets = []
    for index, (first, last) in enumerate(AGE_BUCKETS):
        by_state = {state: counts[index][state] for state in OPEN_STATES}
        buckets.append(AgeBucket(first_day=first, last_day=last, by_state=by_state,
                                 complaints=sum(by_state.values())))
    return buckets


def scoped_statistics(
    *,
    now: dt.datetime,
    scope: Q,
    agency: Agency | None = None,
    service: Service | None = None,
    received_after: dt.date | None = None,
    received_before: dt.date | None = None,
) -> Statistics:
    """`complaint_statistics` restricted to the complaints of `scope`: the same queries and
    definitions, with one more condition. For a coordinator it equals
    `complaint_statistics(agency=their agency)`; it also covers supervisors' and officers'
    scopes (units, assignments), which no agency filter can express."""
    period = Period(received_after, received_before)
    selection = _selection(agency, service, period)
    return _statistics(now, period, agency, service, _Selection(
        complaints=selection.complaints & scope,
        clocks=selection.clocks & _prefixed(scope, "complaint__")))


def staff_headlines(*, now: dt.datetime, scope: Q) -> Headlines:
    """Open complaints of `scope` at `now`: all of them, those with a clock at risk, those
    with a clock breached, and those with a clock that is still running (on time or at risk)
    and due before the end of today in the agency's time zone.

    "At risk" and "breached" are `Complaint.objects.with_clock(status, now)` — the filter of
    the staff queue (`?sla_status=`) — on open complaints, so each count equals the length of
    the queue it links to. Every clock counts, the citizen's included, as in that filter.
    Two queries: the agencies' time zones, then one aggregate.
    """
    clocks = Clock.objects.filter(complaint=OuterRef("pk"))
    status = status_conditions(now)
    due_today = Q(pk__in=[])
    for name in _agency_zones():
        tomorrow = now.astimezone(ZoneInfo(name)).date() + dt.timedelta(days=1)
        due = clocks.filter(status[ClockStatus.RUNNING] | status[ClockStatus.AT_RISK],
                            due_at__lt=_local_midnight(tomorrow, ZoneInfo(name)))
        due_today |= Q(agency__time_zone=name) & Q(Exists(due))
    counts = _filtered(scope, None, None).filter(
        state__in=OPEN_STATES).aggregate(
        open=Count("pk"),
        at_risk=Count("pk", filter=Q(Exists(clocks.in_status(ClockStatus.AT_RISK, now)))),
        breached=Count("pk", filter=Q(Exists(clocks.in_status(ClockStatus.BREACHED, now)))),
        due_today=Count("pk", filter=due_today),
    )
    return Headlines(**counts)
