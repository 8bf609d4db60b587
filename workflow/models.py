"""Workflow records: the audit event chain, SLA clocks, and the notification outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from workflow.states import ClockName, ClockStatus, Role, State, TimeUnit


class AppendOnlyError(Exception):
    pass


class Event(models.Model):
    """One append-only entry of a complaint's audit trail.

    `hash` is sha256 over `prev_hash` and the canonical JSON of the event's fields (see
    workflow.audit), so a changed or removed event breaks the chain from that point on.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    occurred_at = models.DateTimeField()
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)
    # The id of the writing transaction on PostgreSQL (0 on SQLite, whose writers take turns):
    # the change feed orders by (txid, id) and serves only transactions older than every
    # running one, so an event that commits late can never fall behind a reader's cursor.
    txid = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["complaint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="one_event_per_seq")
        ]
        indexes = [
            models.Index(fields=["txid", "id"], name="event_feed_order"),
            # The statistics' time to first response: each complaint's first `respond`,
            # read from the index alone (docs/performance.md, finding 12).
            models.Index(fields=["complaint", "seq"], include=["occurred_at"],
                         condition=Q(action="respond"), name="event_first_respond"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")


# Running clocks that have not yet been warned about / recorded as breached.
SWEEP_WARN = Q(stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True)
SWEEP_DUE = Q(stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True)
# A clock neither stopped nor paused; and the clocks that may be breached, at risk or
# running now (status_conditions below): stopped after their deadline, or running.
RUNNING = Q(stopped_at__isnull=True, paused_at__isnull=True)
LATE_OR_RUNNING = Q(stopped_at__gt=F("due_at")) | RUNNING


def status_conditions(now: dt.datetime) -> dict[ClockStatus, Q]:
    """The one definition of a clock's status, as mutually exclusive conditions.

    `Clock.status()` is the same rule in Python, for a clock already loaded.
    """
    open_, running = Q(stopped_at__isnull=True), RUNNING
    return {
        ClockStatus.MET: Q(stopped_at__isnull=False, stopped_at__lte=F("due_at")),
        ClockStatus.BREACHED: Q(stopped_at__isnull=False, stopped_at__gt=F("due_at"))
        | (running & Q(due_at__lt=now)),
        ClockStatus.PAUSED: open_ & Q(paused_at__isnull=False),
        ClockStatus.AT_RISK: running & Q(due_at__gte=now, warn_at__lte=now),
        ClockStatus.RUNNING: running & Q(due_at__gte=now, warn_at__gt=now),
    }


# The same rule as SQL text, for statements written by hand about a clock k at %(now)s
# (the exports, the API's listing, the staff queue), and the breach that
# Clock.reported_breach gives. Tests compare them with the Python rule on PostgreSQL.
CLOCK_STATUS = """CASE WHEN k.stopped_at IS NOT NULL THEN
                    CASE WHEN k.stopped_at <= k.due_at THEN 'met' ELSE 'breached' END
                WHEN k.paused_at IS NOT NULL THEN 'paused'
                WHEN k.due_at < %(now)s THEN 'breached'
                WHEN k.warn_at <= %(now)s THEN 'at_risk'
                ELSE 'running' END"""
CLOCK_BREACH = """coalesce(k.breached_at, CASE WHEN (k.stopped_at IS NULL AND k.paused_at IS NULL
                                              AND k.due_at < %(now)s)
                                             OR k.stopped_at > k.due_at
                                        THEN k.due_at END)"""


class ClockQuerySet(QuerySet["Clock"]):
    def with_status(self, now: dt.datetime) -> ClockQuerySet:
        """Annotate `status_at` with each clock's status at `now`."""
        return self.annotate(status_at=Case(
            *(When(condition, then=Value(status.value))
              for status, condition in status_conditions(now).items()),
            output_field=models.CharField(),
        ))

    def in_status(self, status: ClockStatus | str, now: dt.datetime) -> ClockQuerySet:
        return self.filter(status_conditions(now)[ClockStatus(status)])

    def open(self) -> ClockQuerySet:
        return self.filter(stopped_at__isnull=True)


class Clock(models.Model):
    """One SLA clock of one complaint, copied from the pinned standard when it starts.

    Deadlines are absolute timestamps, so "overdue" is a query, not a timer.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="clocks"
    )
    name = models.CharField(max_length=30, choices=ClockName.choices)
    cycle = models.PositiveSmallIntegerField(default=1)
    duration = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=TimeUnit.choices)
    warning_fraction = models.DecimalField(max_digits=3, decimal_places=2)
    pausable = models.BooleanField(default=False)
    ceiling = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.FloatField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.PositiveIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    objects = ClockQuerySet.as_manager()

    class Meta:
        ordering = ["complaint", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "name", "cycle"], name="one_clock_cycle"),
        ]
        indexes = [
            # Lists and dashboards: open clocks by deadline.
            models.Index(fields=["due_at"], condition=Q(stopped_at__isnull=True),
                         name="clock_open_due"),
            # The sweeper: only clocks that still owe a warning or a breach are indexed, so
            # a pass costs what is due, not what is open.
            models.Index(fields=["warn_at"], condition=SWEEP_WARN, name="clock_sweep_warn"),
            models.Index(fields=["due_at"], condition=SWEEP_DUE, name="clock_sweep_due"),
            # The deadline-status filter (`sla_status`) for breached, at-risk or running
            # clocks: only clocks stopped late or still running can be any of these, a
            # sixth of them, and the index holds what their status is decided by, so a
            # queue's thousands of lookups need not read the table (finding 16).
            models.Index(fields=["complaint"], include=["name", "due_at", "warn_at",
                                                        "stopped_at", "paused_at"],
                         condition=LATE_OR_RUNNING, name="clock_late_or_running"),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} due {self.due_at:%Y-%m-%d %H:%M}"

    def status(self, now: dt.datetime) -> ClockStatus:
        """Must agree with ClockQuerySet.with_status."""
        if self.stopped_at is not None:
            return ClockStatus.MET if self.stopped_at <= self.due_at else ClockStatus.BREACHED
        if self.paused_at is not None:
            return ClockStatus.PAUSED
        if self.due_at < now:
            return ClockStatus.BREACHED
        if self.warn_at <= now:
            return ClockStatus.AT_RISK
        return ClockStatus.RUNNING

    def reported_breach(self, now: dt.datetime) -> dt.datetime | None:
        """When the clock was breached, as every representation reports it: the instant the
        sweeper recorded, or, for a clock past its deadline before the sweeper has come by,
        the deadline itself."""
        if self.breached_at is not None:
            return self.breached_at
        return self.due_at if self.status(now) == ClockStatus.BREACHED else None


class Notification(models.Model):
    """An outbox row written in the transaction of the event that causes it; a worker
    delivers it after commit, so a rolled-back change never sends mail."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.EmailField()
    recipient_role = models.CharField(max_length=20, choices=Role.choices)
    template = models.CharField(max_length=60)
    language = models.CharField(max_length=10, default="id")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"),
                         name="notification_due"),
        ]

    def __str__(self) -> str:
        # No recipient: the admin prints this in titles, and a citizen's address is identity.
        return f"{self.template} #{self.pk} ({self.status})"
