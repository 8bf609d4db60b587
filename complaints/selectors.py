"""Reads of complaints: who may see which, loaded with what they are shown with.

`complaints_visible_to` is the one place that scopes complaints by role; every list, detail,
export and page goes through it (or through `complaint_for_citizen`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, or_
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils import timezone

from complaints.identifiers import normalize_tracking_number, token_matches
from complaints.models import (
    LATEST_FIRST,
    NO_DEADLINE,
    Agency,
    Complaint,
    Membership,
    Service,
    ServiceStandard,
    Visibility,
)
from config.kept import kept
from workflow.clocks import counts_for_next_due
from workflow.models import CLOCK_STATUS, Clock, Event
from workflow.permissions import GRANTS_READ, Actor, Grant, grants_of
from workflow.states import Role


def scope_filter(actor: Actor, *, by_key: bool = False) -> Q | None:
    """The complaints `actor` may read, as a condition; None means none at all.

    Coordinators read their agency's complaints, supervisors their unit's, officers those
    assigned to them or to their unit; ombudsman staff and administrators read everything.

    By default an agency or unit is named by its path (a join of the agency table). With
    `by_key` the agencies under the grants are read first (one query) and named by key, so
    the condition is on the complaint's own columns: PostgreSQL then estimates how many of
    a million complaints it selects, where the path's join, ORed with the assignee, made it
    guess a fifth of them and plan the dashboard's aggregates as a loop over every agency.
    """
    if actor.kind != "staff":
        return None
    if sees_everything(actor):
        return Q()
    within = _within_by_key(actor.grants) if by_key else _within_by_path
    scope = functools.reduce(or_, _granted(actor.grants, within), Q(pk__in=[]))
    if actor.user is not None:
        scope |= Q(assignee=actor.user)
    return scope


def scope_parts(actor: Actor) -> list[Q] | None:
    """`scope_filter(actor)` as conditions no complaint meets two of, each on the
    complaint's own columns with the agencies as a subquery: what each grant covers, less
    what those before it did, then what is assigned to the actor outside them. For a
    count: PostgreSQL reads each part from the index of its column (the unit's, the
    agency's, the officer's), where the scope's one condition, a path ORed with the
    assignee, had it walk an index of every complaint (docs/performance.md, finding 50).
    None means none."""
    if actor.kind != "staff":
        return None
    if sees_everything(actor):
        return [Q()]
    parts, before = [], Q(pk__in=[])
    for part in (*_granted(actor.grants, _within_by_subquery),
                 *([Q(assignee=actor.user)] if actor.user is not None else [])):
        parts.append(part & ~before)
        before |= part
    return parts


def _granted(grants: Iterable[Grant], within: Callable[[str, str], Q]) -> list[Q]:
    """What each of `grants` covers, each agency or unit named by `within`."""
    covered = []
    for grant in grants:
        if grant.role == Role.COORDINATOR:
            covered.append(within("agency", grant.agency_path))
        elif grant.role == Role.SUPERVISOR:
            covered.append(within("unit", grant.agency_path))
            covered.append(Q(unit__isnull=True) & within("agency", grant.agency_path))
        elif grant.role == Role.OFFICER:
            covered.append(within("unit", grant.agency_path))
    return covered


def sees_everything(actor: Actor) -> bool:
    """Ombudsman staff and administrators: their scope is every complaint, whoever they are."""
    return actor.kind == "staff" and (actor.has_role(Role.OMBUDSMAN)
                                      or actor.has_role(Role.ADMINISTRATOR))


def by_grants_alone(actor: Actor) -> Actor:
    """`actor` without their person when their grants alone cover what they may read: no
    complaint is assigned to them outside the grants, so everyone holding the same grants
    reads the same complaints, and figures of that scope can be computed once for all of them
    (the dashboard: docs/performance.md, finding 30). One query, when there is a person."""
    if actor.user is None or sees_everything(actor):
        return actor
    grants = Actor(kind="staff", grants=actor.grants)
    within = scope_filter(grants)
    assert within is not None  # a staff actor's scope, perhaps empty
    elsewhere = Complaint.objects.filter(assignee=actor.user).exclude(within)
    return actor if elsewhere.exists() else grants


def _within_by_path(relation: str, path: str) -> Q:
    """The complaints whose `relation` (agency or unit) is the agency at `path` or under it."""
    return Q(**{f"{relation}__path__startswith": path})


def _within_by_key(grants: Iterable[Grant]) -> Callable[[str, str], Q]:
    """`_within_by_path`, naming the agencies by key: those under every grant, read at once."""
    paths = {g.agency_path for g in grants
             if g.role in (Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER)}
    under = Q(pk__in=[])
    for path in paths:
        under |= Q(path__startswith=path)
    agencies = list(Agency.objects.filter(under).values_list("pk", "path")) if paths else []

    def within(relation: str, path: str) -> Q:
        return Q(**{f"{relation}_id__in": [pk for pk, p in agencies if p.startswith(path)]})

    return within


def _within_by_subquery(relation: str, path: str) -> Q:
    """`_within_by_path`, naming the agencies by a subquery of their keys."""
    return Q(**{f"{relation}__in": Agency.objects.filter(path__startswith=path).values("pk")})


CLOCKS_IN_ORDER = Prefetch("clocks", queryset=Clock.objects.order_by("started_at", "id"))


def with_relations(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a complaint representation needs, in a constant number of queries.

    The rare links to another complaint are fetched for the page as a whole (a prefetch of
    links no row has costs no query) rather than joined: each join of the complaint table to
    itself made planning a page of 50 cost more than running it."""
    return queryset.select_related(
        "agency", "service", "standard", "unit", "assignee", "feedback",
    ).prefetch_related(
        "duplicate_of", "referred_to",
        CLOCKS_IN_ORDER,
    )


# What choosing a page of a list needs: the key and every field a list is ordered by.
ORDER_FIELDS = ("id", "next_due", "received_at", "updated_at")
URGENCY = ("next_due", "id")  # the queues' order: the next deadline first


def narrow(queryset: QuerySet[Complaint]) -> QuerySet[dict[str, Any]]:
    """`queryset` for choosing a page: the complaint table and its scope, nothing joined,
    each complaint as the values it is ordered by (a page is ordered and cut, then read by
    key: page_with_relations, queue_rows, api.listing). Joined, PostgreSQL joined every
    complaint of the scope (4,600 for a busy coordinator) before keeping 50."""
    return queryset.select_related(None).prefetch_related(None).values(*ORDER_FIELDS)


class OrderedKeys:
    """The keys of `queryset`'s complaints in the order `ordering` (fields of ORDER_FIELDS,
    "-" for descending), as a Paginator reads them: their count, and a page of them, by
    two statements of one compiled condition. The ORM compiled the filtered query once for
    each, and compiling the scope and filters cost more than running either statement
    (docs/performance.md, finding 34).

    They are counted up to `limit` (given for a count), and listed as far: past it `more`
    is true. Counting a scope of tens of thousands was half of a page that surveys it
    (finding 38); nobody pages through more than `limit`, they narrow the filters.

    In the urgency order (URGENCY) a page is read from two parts: the complaints with a
    deadline, in its order, which the partial index complaint_deadline_order holds (the
    open ones: a tenth of a scope that has been served for years); then those without one
    (NO_DEADLINE: closed, or every clock stopped or paused), which all share the last
    place and so follow in the order of their keys, read by the key's index. Read as one
    order, PostgreSQL sorted every complaint of the scope to choose 50, 80–100 ms at a
    million (finding 49). No deadline lies past NO_DEADLINE: the workflow writes it when
    none runs.

    A scope whose condition is an OR (a unit's complaints or the officer's own) is counted
    by `parts` (visible_to), each from the index of its column (finding 50)."""

    def __init__(self, queryset: QuerySet[Complaint], ordering: Iterable[str],
                 limit: int | None = None, *,
                 parts: Iterable[QuerySet[Complaint]] | None = None) -> None:
        self.limit, self.more = limit, False
        ordering = tuple(ordering)
        self.first = ordering[0].lstrip("-")  # the field the order is chosen by
        self.backwards = ordering[0].startswith("-")
        self.connection = connections[queryset.db]
        self.sql, self.params = self._compiled(queryset)
        # Counted as `parts`, when given: querysets no two of which share a complaint, and
        # which together hold `queryset`'s.
        counted = [(self.sql, self.params)] if parts is None else map(self._compiled, parts)
        self.parts = [(sql, params) for sql, params in counted if sql is not None]
        quote = self.connection.ops.quote_name
        self.order = ", ".join(
            f"{quote(field.lstrip('-'))} {'DESC' if field.startswith('-') else 'ASC'}"
            for field in ordering)

    @classmethod
    def visible_to(cls, actor: Actor, among: QuerySet[Complaint], ordering: Iterable[str],
                   limit: int, *, by_parts: bool = True) -> OrderedKeys:
        """The keys of the complaints of `among` that `actor` may read, counted by the parts
        of the actor's scope (scope_parts) when it has several and `by_parts`. Each part is
        `among` compiled again, a few tenths of a millisecond: a scope of one part, or
        filters that name an officer (whose index then serves the count whole), are
        counted as they are read."""
        parts = (scope_parts(actor) or []) if by_parts else []
        return cls(complaints_visible_to(actor, among), ordering, limit,
                   parts=[among.filter(part) for part in parts] if len(parts) > 1 else None)

    def count(self) -> int:
        if self.sql is None or not self.parts:
            return 0
        # Each part up to the limit and one: together they pass it when the whole does.
        counted = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM ({sql}) chosen LIMIT %s) part{n}"
            for n, (sql, _) in enumerate(self.parts))
        ((found,),) = self._read(
            f"SELECT COUNT(*) FROM ({counted}) counted",
            [value for _, params in self.parts for value in (*params, self.limit + 1)])
        self.more = found > self.limit
        return min(found, self.limit)

    def __getitem__(self, cut: slice) -> list[int]:
        offset, size = cut.start, cut.stop - cut.start
        if self.sql is None or size <= 0:
            return []
        if self.first == "next_due":
            return [key for key, _ in self._by_urgency(offset, size)]
        return [key for key, _ in self._ordered(offset, size)]

    def after(self, position: tuple[Any, int] | None, size: int) -> list[tuple[int, Any]]:
        """The `size` complaints after `position` in the order, each as its key and its
        value of the order's first field: a cursor's page (the API's list), by one
        statement, read as the pages are. `position` is that value and a key (in the order
        of keys, None and a key); None for the first page."""
        if self.sql is None or size <= 0:
            return []
        read = self._by_urgency if self.first == "next_due" else self._ordered
        instant = (lambda key: key) if self.first == "id" else self._instant
        return [(key, instant(value)) for key, value in read(0, size, position)]

    def _ordered(self, offset: int, size: int, after: tuple[Any, int] | None = None
                 ) -> list[tuple]:
        """(key, the first field's value) in the order, after the position `after`: a
        condition on the row of both, which bounds the range of the field's index (or the
        key's) and passes the complaints that share its value."""
        where, params = "", []
        if after is not None:
            beyond = "<" if self.backwards else ">"
            if self.first == "id":
                where, params = f"WHERE id {beyond} %s", [after[1]]
            else:
                where = f"WHERE ({self.first}, id) {beyond} (%s, %s)"
                params = [self.connection.ops.adapt_datetimefield_value(after[0]), after[1]]
        return self._read(
            f"SELECT id, {self.first} FROM ({self.sql}) chosen {where} "
            f"ORDER BY {self.order} LIMIT %s OFFSET %s", (*self.params, *params, size, offset))

    def _by_urgency(self, offset: int, size: int, after: tuple[dt.datetime, int] | None = None
                    ) -> list[tuple]:
        """(key, next_due) in the urgency order (or backwards, from the last): the part that
        comes first up to the end of the page, in its own order; then the other, only if
        the first fell short (a search for a common word tested thousands of complaints
        without a deadline for a part the page never showed, finding 54); and the page cut
        from both."""
        adapt, backwards = self.connection.ops.adapt_datetimefield_value, self.backwards
        beyond, way = ("<", "DESC") if backwards else (">", "ASC")
        dated, undated = (["next_due < %s"], [adapt(NO_DEADLINE)]), (["next_due >= %s"],
                                                                     [adapt(NO_DEADLINE)])
        if after is not None:
            due, key = after
            if due < NO_DEADLINE:  # within the part with a deadline
                dated[0].append(f"(next_due, id) {beyond} (%s, %s)")
                dated[1].extend((adapt(due), key))
                if backwards:
                    undated[0].append("1 = 0")  # all come after it
            else:
                undated[0].append(f"id {beyond} %s")
                undated[1].append(key)
                if not backwards:
                    dated[0].append("1 = 0")  # all come before it

        def part(conditions: list[str], params: list[Any], order: str
                 ) -> tuple[str, list[Any]]:
            return (f"SELECT id, next_due FROM ({self.sql}) chosen WHERE "
                    f"{' AND '.join(conditions)} ORDER BY {order}", params)

        parts = part(*dated, f"next_due {way}, id {way}"), part(*undated, f"id {way}")
        (first, first_params), (second, second_params) = parts[::-1] if backwards else parts
        end = offset + size
        return self._read(
            f"WITH part0 AS ({first} LIMIT %s) "
            f"SELECT id, next_due FROM (SELECT id, next_due, 0 AS part FROM part0 "
            f"UNION ALL SELECT id, next_due, 1 AS part FROM ({second} LIMIT %s) part1 "
            f"WHERE (SELECT COUNT(*) FROM part0) < %s) chosen "
            f"ORDER BY part, next_due {way}, id {way} LIMIT %s OFFSET %s",
            (*self.params, *first_params, end, *self.params, *second_params, end, end, size,
             offset))

    @staticmethod
    def _instant(value: Any) -> dt.datetime:
        """A deadline as read by a raw statement: SQLite gives text, in UTC."""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)

    @staticmethod
    def _compiled(queryset: QuerySet[Complaint]) -> tuple[str | None, Sequence[Any]]:
        try:
            return narrow(queryset).order_by().query.sql_with_params()
        except EmptyResultSet:  # a condition nothing meets
            return None, ()

    def _read(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


@dataclass(frozen=True)
class ClockBadge:
    name: str
    status: str


@dataclass(frozen=True)
class QueueRow:
    """What a row of the staff queue shows, read as values: a page of 50 as model
    instances (with service, unit, officer and some 200 clocks) cost more to build and
    render than everything else on the page."""

    tracking_number: str
    title: str
    service: str
    state: str
    unit: str | None
    assignee: str | None
    zone: str  # the agency's, which its times are shown in
    received_at: dt.datetime
    next_due: dt.datetime
    next_clock: ClockBadge | None  # the running agency clock whose deadline is next_due
    badges: list[ClockBadge]  # every clock but those stopped in time


class _ClockValues(NamedTuple):
    name: str
    status: str
    due_at: dt.datetime
    stopped_at: dt.datetime | None
    paused_at: dt.datetime | None


def queue_rows(keys: list[int], now: dt.datetime) -> list[QueueRow]:
    """The rows of the complaints `keys`, in their order: one query for the complaints and
    one for their clocks, with each clock's status at `now` (workflow.models'
    status_conditions)."""
    if not keys:
        return []
    connection = connections[Complaint.objects.db]
    read = _queue_values_sql if connection.vendor == "postgresql" else _queue_values
    found, values = {}, read(connection, keys, now)
    clocks: dict[int, list[_ClockValues]] = {key: [] for key in keys}
    for complaint_id, *clock in values.clocks:
        clocks[complaint_id].append(_ClockValues(*clock))
    for key, *fields, next_due in values.complaints:
        first = min((c for c in clocks[key] if counts_for_next_due(c)),
                    key=attrgetter("due_at"), default=None)
        found[key] = QueueRow(
            *fields, next_due=next_due,
            next_clock=ClockBadge(first.name, first.status)
            if first and next_due != NO_DEADLINE else None,
            badges=[ClockBadge(c.name, c.status) for c in clocks[key]
                    if c.stopped_at is None or c.stopped_at > c.due_at])
    return [found[key] for key in keys]


class _QueueValues(NamedTuple):
    complaints: Iterable[tuple]  # key, QueueRow's fields to zone, received_at, next_due
    clocks: Iterable[tuple]  # complaint key, _ClockValues' fields; in start order


def _queue_values(connection: Any, keys: list[int], now: dt.datetime) -> _QueueValues:
    return _QueueValues(
        Complaint.objects.filter(pk__in=keys).values_list(
            "pk", "tracking_number", "title", "service__name", "state", "unit__name",
            "assignee__username", "agency__time_zone", "received_at", "next_due"),
        Clock.objects.filter(complaint_id__in=keys).with_status(now)
        .order_by("started_at", "id")
        .values_list("complaint_id", "name", "status_at", "due_at", "stopped_at", "paused_at"))


# The same on PostgreSQL, as prepared statements: building and compiling the two queries
# (the status rule is a dozen conditions) cost the ORM several times what they take to run.
# The small tables are joined; the officer is read by key (hashing every user cost more).
QUEUE_COMPLAINTS = """SELECT c.id, c.tracking_number, c.title, s.name, c.state, u.name,
       (SELECT x.username FROM auth_user x WHERE x.id = c.assignee_id), a.time_zone,
       c.received_at, c.next_due
FROM complaints_complaint c JOIN complaints_service s ON s.id = c.service_id
JOIN complaints_agency a ON a.id = c.agency_id LEFT JOIN complaints_agency u ON u.id = c.unit_id
WHERE c.id = ANY(%(keys)s)"""
QUEUE_CLOCKS = f"""SELECT k.complaint_id, k.name, {CLOCK_STATUS}, k.due_at, k.stopped_at,
       k.paused_at
FROM workflow_clock k WHERE k.complaint_id = ANY(%(keys)s) ORDER BY k.started_at, k.id"""


def _queue_values_sql(connection: Any, keys: list[int], now: dt.datetime) -> _QueueValues:
    with connection.cursor() as cursor:
        cursor.execute(QUEUE_COMPLAINTS, {"keys": keys})
        complaints = cursor.fetchall()
        cursor.execute(QUEUE_CLOCKS, {"keys": keys, "now": now})
        return _QueueValues(complaints, cursor.fetchall())


class ServiceChoice(NamedTuple):
    """A service as the queue's filter offers it."""

    pk: int
    code: str
    name: str
    agency_id: int
    agency_name: str


def service_choices(roots: Iterable[str] | None) -> list[ServiceChoice]:
    """The services of the agencies under the agency paths `roots` (None: of every agency),
    by agency path and name, for the queue's filter. One statement written once: building
    the same read with the ORM, each service with its agency, was the costliest read of a
    queue page (docs/performance.md, finding 34)."""
    connection = connections[Service.objects.db]
    quote, params = connection.ops.quote_name, []
    where = ""
    if roots is not None:
        params = [connection.ops.prep_for_like_query(root) + "%" for root in sorted(roots)]
        where = "WHERE " + (" OR ".join(["a.path LIKE %s ESCAPE '\\'"] * len(params))
                            or "1 = 0")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.code, s.name, s.agency_id, a.name "
            f"FROM {quote(Service._meta.db_table)} s "
            f"JOIN {quote(Agency._meta.db_table)} a ON a.id = s.agency_id {where} "
            f"ORDER BY a.path, s.name", params)
        return [ServiceChoice(*row) for row in cursor.fetchall()]


def standards_in_force(services: Sequence[Service], now: dt.datetime
                       ) -> dict[int, ServiceStandard]:
    """The standard version in force at `now` for each of `services` (read with their
    agencies), by service key: the newest already effective on that day at the service's
    agency, as `Service.standard_on` finds it for one. A service with none is left out.

    One query for every version of them; prefetching the versions per service cost the
    ORM several times more than reading them (docs/performance.md, finding 39)."""
    agencies = {service.pk: service.agency for service in services}
    found: dict[int, ServiceStandard] = {}
    for standard in (ServiceStandard.objects.filter(service__in=list(agencies))
                     .order_by(*LATEST_FIRST)):
        today = timezone.localtime(now, agencies[standard.service_id].zone).date()
        if standard.service_id not in found and standard.effective_from <= today:
            found[standard.service_id] = standard
    return found


# The catalogue of services with their standards in force, as the citizen's form and the
# API's services list write it, is the same for everyone and costly to write (findings 17
# and 43 of docs/performance.md). Each keeps it this long under catalogue_key of its
# (service, standard in force) pairs: a service or version added, withdrawn or coming into
# force changes the key and shows at once; an edit that keeps them (a service renamed, a
# standard no complaint has pinned yet corrected) shows within this time.
CATALOGUE_SECONDS = 60


def catalogue_key(pairs: Iterable[tuple[int, int | None]]) -> str:
    return hashlib.sha256(repr(list(pairs)).encode()).hexdigest()


def page_with_relations(keys: list[int]) -> list[Complaint]:
    """The complaints `keys`, in their order, with what they are shown with
    (with_relations): one query for the page, whatever the scope."""
    found = with_relations(Complaint.objects.filter(pk__in=keys)).in_bulk()
    return [found[key] for key in keys]


def complaints_visible_to(actor: Actor, among: QuerySet[Complaint] | None = None
                          ) -> QuerySet[Complaint]:
    """The complaints of `among` (by default, all) that `actor` may read."""
    among = Complaint.objects.all() if among is None else among
    scope = scope_filter(actor)
    return among.none() if scope is None else among.filter(scope)


def public_complaints() -> QuerySet[Complaint]:
    """Complaints the public may see listed: all but confidential ones. (Anonymous ones are
    listed; no public representation carries any identity.)"""
    return Complaint.objects.exclude(visibility=Visibility.CONFIDENTIAL)


def complaint_for_citizen(tracking_number: str, access_token: str | None) -> Complaint | None:
    """The complaint whose tracking number and access token both match, or None — the same
    answer for a wrong number and a wrong token, so neither can be probed alone."""
    number = normalize_tracking_number(tracking_number or "")
    complaint = Complaint.objects.filter(tracking_number=number).first() if number else None
    if complaint is None or not token_matches(complaint.access_token_hash, access_token):
        return None
    return complaint


# What every read of one complaint joins: what the actor's roles on it are decided by.
PLACES = ("agency", "unit")


def numbered_complaint(number: str, actor: Actor | None,
                       relations: tuple[str, ...] = PLACES,
                       extras: tuple[tuple[str, str], ...] = ()) -> Complaint | None:
    """The complaint numbered `number` if `actor` may read it (for None, whoever asks: the
    citizen's pages, which check the access code themselves), with its `relations` (forward
    keys of the complaint) as select_related reads them, and each of `extras` (a name, and
    SQL of a value with the complaint as c) as an attribute. The statement is written once
    per set of relations, and the actor's scope once per process (`scope_sql`): compiling
    select_related's sixty columns took 1.5 ms a request, and the scope with the number
    0.75 ms, where the database takes 0.3 (docs/performance.md, findings 34 and 60)."""
    alias = router.db_for_read(Complaint)
    where, params = "c.tracking_number = %s", [number]
    if actor is not None:
        scope = scope_sql(actor, alias)
        if scope is None:
            return None
        condition, scope_params = scope
        if condition:
            where += f" AND c.id IN ({condition})"
            params += scope_params
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(f"{_related_select(alias, relations, extras)} WHERE {where}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    models = [Complaint] + [_relation(name).related_model for name in relations]
    instances, start = [], 0
    for model in models:
        width = len(model._meta.concrete_fields)
        values = row[start:start + width]
        start += width
        instances.append(_instance(model, values, connection) if values[0] is not None
                         else None)
    complaint = instances[0]
    for name, related in zip(relations, instances[1:]):
        if related is not None:  # a NULL key is none without a query
            setattr(complaint, name, related)
    for (name, _sql), value in zip(extras, row[start:], strict=True):
        setattr(complaint, name, value)
    return complaint


def scope_sql(actor: Actor, alias: str) -> tuple[str, tuple[Any, ...]] | None:
    """`scope_filter(actor)` as SQL and its parameters for the database `alias`: a SELECT
    of the keys of the complaints in the scope; "" when the scope is every complaint, None
    when it is none. It depends on the actor's grants and person alone, so each process
    compiles it once for each and keeps it (at most SCOPES_KEPT)."""
    if actor.kind != "staff":
        return None
    key = (alias, actor.grants, actor.user.pk if actor.user is not None else None)
    return kept(_SCOPES, SCOPES_KEPT, key, lambda: _compiled_scope(actor, alias))


# The scopes scope_sql keeps, each a few hundred bytes: a process keeps at most this many.
SCOPES_KEPT = 4096
_SCOPES: dict[Hashable, tuple[str, tuple[Any, ...]] | None] = {}


def _compiled_scope(actor: Actor, alias: str) -> tuple[str, tuple[Any, ...]] | None:
    if sees_everything(actor):
        return "", ()
    scope = scope_filter(actor)
    assert scope is not None  # a staff actor's, perhaps empty
    try:
        return (Complaint.objects.using(alias).filter(scope).order_by().values("pk")
                .query.sql_with_params())
    except EmptyResultSet:  # no grant that covers any complaint, and no person
        return None


# What a staff page of one complaint shows it with.
PAGE_RELATIONS = (*PLACES, "service", "standard", "assignee")
# And what it shows of the complaint's other records, each found by a unique index or a
# key's: the tracking number of the complaint referred to it, whether it has attachments,
# and its complexity tier. Read in the complaint's statement; they were three queries.
_TIER = ("(SELECT t.{} FROM complaints_complexitytier t "
         "WHERE t.standard_id = c.standard_id AND t.code = c.complexity)")
PAGE_EXTRAS = (
    ("referred_from_number", "(SELECT r.tracking_number FROM complaints_complaint r "
                             "WHERE r.referred_to_id = c.id)"),
    ("has_attachments", "EXISTS (SELECT 1 FROM complaints_attachment x "
                        "WHERE x.complaint_id = c.id)"),
    *((f"tier_{column}", _TIER.format(column)) for column in ("label", "duration", "unit")),
)


def complaint_for_page(number: str, actor: Actor | None) -> Complaint | None:
    """The complaint `numbered_complaint(number, actor)` finds, with its PAGE_RELATIONS,
    PAGE_EXTRAS and its clocks in start order, in two queries: with_relations took 7.5 ms
    for one complaint at a million, 1 ms of it in the database. Its rare links to other
    complaints are read if a page shows them. The clocks are `complaint.clocks.all()`, as
    CLOCKS_IN_ORDER prefetches them."""
    complaint = numbered_complaint(number, actor, PAGE_RELATIONS, PAGE_EXTRAS)
    if complaint is not None:
        clocks = rows_of(Clock, complaint._state.db, "t.complaint_id = %s", [complaint.pk],
                         "t.started_at, t.id")
        for clock in clocks:
            Clock.complaint.field.set_cached_value(clock, complaint)
        # Kept where prefetch_related keeps them, so `complaint.clocks.all()` reads them.
        kept = complaint.clocks.all()
        kept._result_cache, kept._prefetch_done = clocks, True
        complaint._prefetched_objects_cache = {"clocks": kept}
    return complaint


def events_in_order(complaint: Complaint) -> list[Event]:
    """The complaint's events in their order on the chain, as `complaint.events
    .order_by("seq")` reads them."""
    return rows_of(Event, complaint._state.db, "t.complaint_id = %s", [complaint.pk], "t.seq")


def rows_of(model: type[Model], alias: str, where: str, params: list, order: str) -> list:
    """The instances of `model` whose row (as t) meets `where`, in the `order` given, read
    by a statement written once per model: the ORM compiled a page's two small reads (the
    complaint's clocks and its events) in 0.3 ms each, twice what the database took to run
    them."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(f"{_model_select(alias, model)} WHERE {where} ORDER BY {order}", params)
        return [_instance(model, row, connection) for row in cursor.fetchall()]


@functools.cache
def _model_select(alias: str, model: type[Model]) -> str:
    qn = connections[alias].ops.quote_name
    return f"SELECT {_columns(model, 't', alias)} FROM {qn(model._meta.db_table)} t"


def _relation(name: str) -> Any:
    return Complaint._meta.get_field(name)


def _columns(model: type[Model], table: str, alias: str) -> str:
    """Every concrete column of `model`, under the table alias `table`, in field order."""
    qn = connections[alias].ops.quote_name
    return ", ".join(f"{table}.{qn(field.column)}" for field in model._meta.concrete_fields)


@functools.cache
def _related_select(alias: str, relations: tuple[str, ...],
                    extras: tuple[tuple[str, str], ...] = ()) -> str:
    """The complaint as c and each relation as r0, r1, … in order, every column of each,
    then the values of `extras`."""
    qn = connections[alias].ops.quote_name
    columns, joins = [_columns(Complaint, "c", alias)], []
    for index, name in enumerate(relations):
        field, table = _relation(name), f"r{index}"
        model = field.related_model
        columns.append(_columns(model, table, alias))
        join = "LEFT JOIN" if field.null else "JOIN"
        joins.append(f" {join} {qn(model._meta.db_table)} {table} "
                     f"ON {table}.{qn(model._meta.pk.column)} = c.{qn(field.column)}")
    columns += [sql for _name, sql in extras]
    return (f"SELECT {', '.join(columns)} FROM {qn(Complaint._meta.db_table)} c"
            + "".join(joins))


def _instance(model: type[Model], values: tuple, connection: BaseDatabaseWrapper) -> Any:
    """A model instance from its concrete fields' values, converted as the ORM converts
    them (SQLite's times and booleans, for one)."""
    converted = list(values)
    for index, column, converters in _converters(model, connection.alias):
        for convert in converters:
            converted[index] = convert(converted[index], column, connection)
    return model.from_db(connection.alias, [f.attname for f in model._meta.concrete_fields],
                         converted)


@functools.cache
def _converters(model: type[Model], alias: str) -> list[tuple[int, Any, list]]:
    connection = connections[alias]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        converters = (connection.ops.get_db_converters(column)
                      + column.get_db_converters(connection))
        if converters:
            found.append((index, column, converters))
    return found


def user_with_grants(where: str, params: list, *, join: str = "", extra: str = ""
                     ) -> AbstractBaseUser | None:
    """The user that `where` finds (alias u; `join` may add tables to find it by, `extra`
    columns to read from them, which the user gets as attributes), read with their grants
    (workflow.permissions.GRANTS_READ) in one query: a row per membership. Written as SQL,
    as signing in happens on every request: building and compiling the same query with
    the ORM cost several times what PostgreSQL takes to run it. Like every sign-in read,
    it goes to the primary (config.routers): a role taken away counts at once."""
    User = get_user_model()
    ops = connections[User.objects.db].ops
    rows = list(User.objects.raw(
        f"SELECT {_columns(User, 'u', User.objects.db)}, m.role AS grant_role, "
        f"m.agency_id AS grant_agency, a.path AS grant_path, a.time_zone AS grant_zone{extra} "
        f"FROM {ops.quote_name(User._meta.db_table)} u {join} "
        f"LEFT JOIN {ops.quote_name(Membership._meta.db_table)} m ON m.user_id = u.id "
        f"LEFT JOIN {ops.quote_name(Agency._meta.db_table)} a ON a.id = m.agency_id "
        f"WHERE {where}", params))
    if not rows:
        return None
    user = rows[0]
    setattr(user, GRANTS_READ, grants_of(user, (
        (row.grant_role, row.grant_agency, row.grant_path, row.grant_zone) for row in rows)))
    return user
