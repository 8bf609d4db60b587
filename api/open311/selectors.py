"""Reads for Open311: the public complaints, loaded with what a service request shows.

Open311 is public: confidential complaints never appear, and the reporter's identity is
never loaded. Anonymous complaints appear like public ones (no identity is ever shown).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When

from complaints.models import Complaint, Service
from complaints.selectors import public_complaints
from workflow.models import Clock, Event
from workflow.states import Action, ClockName, State

# The clocks that give expected_datetime, in order of preference (see docs/open311.md).
EXPECTED_CLOCKS = (ClockName.FIRST_RESPONSE, ClockName.VERIFY, ClockName.RESOLUTION)

# Events that change the request as the public sees it; warnings, escalations and views of
# the reporter's identity do not make a request "updated".
CHANGE_ACTIONS = ("submit", *Action.values)


def active_services() -> QuerySet[Service]:
    return Service.objects.taking_complaints()


def public_requests() -> QuerySet[Complaint]:
    """Every public complaint, with its service, agency, pinned standard, the time of its
    last change and the deadline the citizen waits on (`open311_expected`: of its open
    EXPECTED_CLOCKS, the first by that order; the workflow runs one cycle of a clock at a
    time, and the latest cycle first only makes the choice certain): one query for any
    number (the standards' clocks are read once per version by representation.request_items).

    A paused clock keeps the deadline that stood when it paused, which moves later by the
    paused time when the citizen answers."""
    last_change = (
        Event.objects.filter(complaint=OuterRef("pk"), action__in=CHANGE_ACTIONS)
        .order_by("-seq").values("occurred_at")[:1]
    )
    preference = Case(*(When(name=name, then=Value(rank))
                        for rank, name in enumerate(EXPECTED_CLOCKS)))
    expected = (
        Clock.objects.filter(complaint=OuterRef("pk"), stopped_at__isnull=True,
                             name__in=EXPECTED_CLOCKS)
        .order_by(preference, "-cycle").values("due_at")[:1]
    )
    return (
        public_complaints()
        .select_related("service", "agency", "unit", "standard")
        .annotate(last_change_at=Subquery(last_change), open311_expected=Subquery(expected))
    )


def filter_requests(
    queryset: QuerySet[Complaint], *, service_codes: list[str], statuses: set[str],
    received_from: dt.datetime, received_to: dt.datetime,
) -> QuerySet[Complaint]:
    queryset = queryset.filter(received_at__gte=received_from, received_at__lte=received_to)
    if service_codes:
        # By key rather than by a join on the code: knowing the services, the planner reads
        # each one's window from complaint_service_received, newest first, and stops at the
        # page (docs/performance.md, finding 42).
        services = Service.objects.filter(code__in=service_codes).values_list("pk", flat=True)
        queryset = queryset.filter(service__in=list(services))
    if statuses == {"open"}:
        queryset = queryset.exclude(state=State.CLOSED)
    elif statuses == {"closed"}:
        queryset = queryset.filter(state=State.CLOSED)
    return queryset
