"""Domain records: agencies and their calendars, services and their published standards,
complaints with the reporter's identity kept apart, attachments, feedback and memberships.

The complaint's state is changed only by `workflow.services.complaint_transition`; the
`@transition` methods below hold the pure source → target rules and field bookkeeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflow import conditions
from workflow.permissions import transition_permission
from workflow.states import (
    Action,
    ClockName,
    ClosureReason,
    RejectionReason,
    Role,
    State,
    TimeUnit,
)

if TYPE_CHECKING:
    from workflow.calendar import WorkCalendar
    from workflow.models import Clock

# Complaint.next_due when no agency clock runs: after every real deadline in urgency order.
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
# Before every deadline, and every other instant the application can write.
EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def validate_weekdays(value: str) -> None:
    if not value or any(c not in "1234567" for c in value) or len(set(value)) != len(value):
        raise ValidationError(_("Use ISO weekday digits, Monday=1 … Sunday=7, e.g. 12345."))


def root_path_of(path: str) -> str:
    """"/3/17/" → "/3/": the top-level agency of an agency path."""
    return "/" + path.strip("/").split("/")[0] + "/"


class Agency(models.Model):
    """A public agency, or a unit inside one (`parent` set).

    An agency's calendar (zone, working weekdays, office hours, cuti bersama, overrides) counts
    the deadlines of the complaints filed with it. `path` ("/1/7/") makes "this agency and all
    its units" one indexed prefix query.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    time_zone = models.CharField(
        max_length=64, default="Asia/Jakarta", validators=[validate_time_zone]
    )
    working_weekdays = models.CharField(
        max_length=7, default="12345", validators=[validate_weekdays],
        help_text=_("ISO weekday digits, Monday=1 … Sunday=7."),
    )
    office_opens = models.TimeField(default=dt.time(7, 30))
    office_closes = models.TimeField(default=dt.time(16, 0))
    cuti_bersama_is_working = models.BooleanField(
        default=False, help_text=_("Front-line units that stay open on cuti bersama days.")
    )
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.office_opens >= self.office_closes:
            raise ValidationError(_("Office hours must open before they close."))
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError(_("An agency cannot be its own unit."))
            ancestor = ancestor.parent

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k != "force_insert"}
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moving a unit moves its whole subtree.
            for unit in Agency.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                unit.save()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def root_path(self) -> str:
        """The path of the top-level agency this one belongs to."""
        return root_path_of(self.path)

    @property
    def lineage_ids(self) -> list[int]:
        """Keys of this agency and every agency above it, top first: its path."""
        return [int(pk) for pk in self.path.strip("/").split("/") if pk]

    @property
    def lineage_paths(self) -> list[str]:
        """Paths of this agency and every agency above it, top first."""
        ids = self.lineage_ids
        return ["/" + "/".join(map(str, ids[: i + 1])) + "/" for i in range(len(ids))]

    def is_within(self, other: Agency) -> bool:
        """True when this agency is `other` or one of its units."""
        return self.path.startswith(other.path)

    @cached_property
    def calendar(self) -> WorkCalendar:
        from workflow.calendar import WorkCalendar

        # By the keys in the agency's path: no join to the agencies to read them.
        overrides = HolidayOverride.objects.filter(
            agency_id__in=self.lineage_ids).values_list("date", "is_working_day")
        closed = {day for day, is_working in overrides if not is_working}
        working = {day for day, is_working in overrides if is_working}
        return WorkCalendar(
            time_zone=self.time_zone,
            weekdays=frozenset(int(d) for d in self.working_weekdays),
            office_start=self.office_opens,
            office_end=self.office_closes,
            cuti_bersama_is_working=self.cuti_bersama_is_working,
            closed_days=frozenset(closed - working),
            working_days=frozenset(working),
        )


class HolidayOverride(models.Model):
    """A per-agency change to the national calendar: a regional holiday, or a revised decree
    that makes a listed holiday a working day. Applies to the agency and all its units."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="holiday_overrides")
    date = models.DateField()
    is_working_day = models.BooleanField(
        default=False, help_text=_("Checked: open on this day. Unchecked: closed on this day.")
    )
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "date"], name="one_override_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.description}"


class ServiceQuerySet(models.QuerySet["Service"]):
    def taking_complaints(self) -> ServiceQuerySet:
        """Services a complaint can be submitted or referred to: active, of an active
        agency; with their agencies."""
        return self.filter(is_active=True, agency__is_active=True).select_related("agency")

    def with_version_in_force(self, now: dt.datetime) -> ServiceQuerySet:
        """Each service with `version_in_force`: the number of the version a submission at
        `now` pins (Service.standard_on, on the day at the service's agency), or None. Not
        the highest number already effective: a version may be dated back before one
        published earlier. One subquery, so a list can be sorted by it."""
        zones = Agency.objects.values_list("time_zone", flat=True).distinct().order_by()
        today = models.Case(*(models.When(service__agency__time_zone=zone, then=models.Value(
            timezone.localtime(now, ZoneInfo(zone)).date())) for zone in zones),
            output_field=models.DateField())
        in_force = (ServiceStandard.objects
                    .filter(service=models.OuterRef("pk"), effective_from__lte=today)
                    .order_by(*LATEST_FIRST).values("version")[:1])
        return self.annotate(version_in_force=models.Subquery(in_force))


class Service(models.Model):
    """A public service an agency provides, with its published service standard."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(max_length=60, unique=True, help_text=_("Open311 service_code."))
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True)
    keywords = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["agency__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def takes_complaints(self) -> bool:
        return self.is_active and self.agency.is_active

    def standard_on(self, day: dt.date) -> ServiceStandard | None:
        """The standard version in force on `day`: the latest one already effective."""
        return self.standards.filter(effective_from__lte=day).order_by(*LATEST_FIRST).first()


# The order in which a service's standard versions take over: the later effective date, and
# of one day the higher version. The first already effective is the one in force.
LATEST_FIRST = ("-effective_from", "-version")


class ServiceStandard(models.Model):
    """One published version of a service standard (standar pelayanan).

    A complaint pins the version in force when it was received; a new version is a new row,
    so editing a standard never rewrites the deadlines of complaints already received.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="standards")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    legal_reference = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True, help_text=_("Requirements, procedure and costs."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="one_standard_version")
        ]

    def __str__(self) -> str:
        return f"{self.service} v{self.version}"


class ClockPolicy(models.Model):
    """A clock of a service standard: how long, in which unit, when to warn, whether it pauses
    while waiting for the citizen, and the statutory ceiling an extension may not pass."""

    standard = models.ForeignKey(ServiceStandard, on_delete=models.CASCADE, related_name="clocks")
    name = models.CharField(max_length=30, choices=ClockName.choices)
    duration = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=TimeUnit.choices)
    warning_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default=0.75,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Warn when this fraction of the time has passed."),
    )
    pausable = models.BooleanField(default=False)
    ceiling = models.PositiveIntegerField(
        null=True, blank=True,
        help_text=_("Longest total duration an extension may reach; empty: no extension."),
    )
    legal_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["standard", "name"]
        verbose_name_plural = "clock policies"
        constraints = [
            models.UniqueConstraint(fields=["standard", "name"], name="one_policy_per_clock"),
            models.CheckConstraint(
                condition=models.Q(ceiling__isnull=True) | models.Q(ceiling__gte=models.F("duration")),
                name="ceiling_not_below_duration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {self.duration} {self.get_unit_display()}"


class ComplexityTier(models.Model):
    """A complexity tier chosen at assignment; it sets the first_response duration."""

    standard = models.ForeignKey(ServiceStandard, on_delete=models.CASCADE, related_name="tiers")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    duration = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["standard", "duration"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="one_tier_code_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.duration} {self.get_unit_display()})"


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    WALK_IN = "walk_in", _("Walk-in")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    SOCIAL_MEDIA = "social_media", _("Social media")
    REFERRAL = "referral", _("Referral from another agency")


# Channels through which staff record a complaint received outside the system.
STAFF_INTAKE_CHANNELS = (
    Channel.PHONE, Channel.LETTER, Channel.WALK_IN, Channel.EMAIL, Channel.SMS,
    Channel.SOCIAL_MEDIA,
)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    ANONYMOUS = "anonymous", _("Anonymous: identity hidden from the handling unit and the public")
    CONFIDENTIAL = "confidential", _("Confidential: the whole complaint hidden from the public")


class Classification(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (pengaduan)")
    ASPIRATION = "aspiration", _("Aspiration (aspirasi)")
    INFORMATION_REQUEST = "information_request", _("Information request")


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def with_clock(self, status: str | Iterable[str], now: dt.datetime,
                   name: str | None = None) -> ComplaintQuerySet:
        """Complaints with a clock (of `name`, or any) in `status` (or any of several) at
        `now` — one query, e.g. every breached complaint of an agency:
        `Complaint.objects.filter(agency=a).with_clock("breached", now)`."""
        from workflow.models import Clock, status_conditions

        wanted = [status] if isinstance(status, str) else list(status)
        conditions = status_conditions(now)
        condition = models.Q(pk__in=[])
        for one in wanted:
            condition |= conditions[one]
        clocks = Clock.objects.filter(condition, complaint=models.OuterRef("pk"))
        return self.filter(models.Exists(clocks.filter(name=name) if name else clocks))


class Complaint(FSMModelMixin, models.Model):
    tracking_number = models.CharField(max_length=16, unique=True, editable=False)
    # sha256 of the citizen's access token; the token itself is shown once and never stored.
    access_token_hash = models.CharField(max_length=64, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="complaints")
    # Indexed with received_at below, which serves every lookup by service alone as well.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="complaints",
                                db_index=False)
    standard = models.ForeignKey(
        ServiceStandard, on_delete=models.PROTECT, related_name="complaints",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    classification = models.CharField(
        max_length=30, choices=Classification.choices, blank=True
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    location_text = models.CharField(max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    state = FSMField(max_length=20, choices=State.choices, default=State.RECEIVED, protected=True)
    unit = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="handled_complaints"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    complexity = models.SlugField(max_length=40, blank=True)
    pending_info_request = models.TextField(blank=True)
    response = models.TextField(blank=True)
    dispute_count = models.PositiveIntegerField(default=0)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    referred_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="referred_from"
    )
    referred_to_agency = models.CharField(max_length=200, blank=True)

    received_at = models.DateTimeField(db_index=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_answered_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The earliest deadline of a running clock the agency owes (the citizen's own windows do
    # not count), NO_DEADLINE when none runs: the staff queues' urgency order. Kept by
    # workflow.clocks whenever a clock starts, stops, pauses, resumes or is extended, so a
    # queue page is a range of the indexes below rather than a subquery per complaint.
    next_due = models.DateTimeField(default=NO_DEADLINE, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # Covering (PostgreSQL): an agency's new complaints run to thousands, and reading
            # each from the table to pick a page of 50 cost 9,000 page reads at 1M; the
            # page and its count are read from the index alone (docs/performance.md).
            models.Index(fields=["agency", "state", "next_due"], name="complaint_agency_queue",
                         include=["id", "received_at", "updated_at", "assignee", "unit"]),
            models.Index(fields=["unit", "state", "next_due"], name="complaint_unit_queue"),
            # Covering too: an officer's few hundred open complaints, read from the table
            # one by one, were a fifth of the time of their queue's API page.
            models.Index(fields=["assignee", "state", "next_due"],
                         name="complaint_assignee_queue",
                         include=["id", "received_at", "updated_at", "unit"]),
            # One service's complaints newest first: Open311's `service_code` read a
            # service's and a window's indexes in full and sorted what both held
            # (docs/performance.md, finding 42).
            models.Index(fields=["service", "received_at"], name="complaint_service_received"),
            # The complaints with a deadline in the queues' urgency order (the open ones,
            # a tenth of them): a page of a whole scope is chosen from here, not by sorting
            # every complaint of it (selectors.OrderedKeys; docs/performance.md, finding
            # 49). It holds what the scopes and the state filter read, so that a filter
            # none of it meets (the closed ones) reads the index alone.
            models.Index(fields=["next_due", "id"],
                         include=["state", "agency", "unit", "assignee"],
                         condition=models.Q(next_due__lt=NO_DEADLINE),
                         name="complaint_deadline_order"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    # Set by the workflow service before it evaluates conditions, so that time-dependent
    # conditions (the reply window) are judged at the service's `now`, not the wall clock.
    evaluated_at: dt.datetime | None = None

    @property
    def as_of(self) -> dt.datetime:
        return self.evaluated_at or timezone.now()

    def open_clock(self, name: str) -> Clock | None:
        """The running or paused clock of this name (the latest cycle), if any."""
        return self.clocks.filter(name=name, stopped_at__isnull=True).order_by("-cycle").first()

    # --- transitions: pure source → target rules and field bookkeeping -------------------
    # Each takes `now` and the validated payload `data`; the service does everything else.

    @transition(field=state, source=State.RECEIVED, target=State.ASSIGNED,
                permission=transition_permission(Action.ASSIGN))
    def assign(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.unit = data["unit"]
        self.assignee = data.get("assignee")
        self.complexity = data["tier"].code
        if data.get("classification"):
            self.classification = data["classification"]
        self.assigned_at = now

    @transition(field=state, source=State.ASSIGNED, target=State.ASSIGNED,
                permission=transition_permission(Action.REASSIGN))
    def reassign(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.unit = data["unit"]
        self.assignee = data.get("assignee")

    @transition(field=state, source=State.ASSIGNED, target=State.ASSIGNED,
                conditions=[conditions.no_pending_info_request],
                permission=transition_permission(Action.REQUEST_INFO))
    def request_info(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.pending_info_request = data["message"]
        self.first_answered_at = self.first_answered_at or now

    @transition(field=state, source=State.ASSIGNED, target=State.ASSIGNED,
                conditions=[conditions.has_pending_info_request],
                permission=transition_permission(Action.PROVIDE_INFO))
    def provide_info(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.pending_info_request = ""

    @transition(field=state, source=State.ASSIGNED, target=State.ASSIGNED,
                permission=transition_permission(Action.EXTEND))
    def extend(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        pass  # the extension changes a clock, not the complaint

    @transition(field=state, source=State.ASSIGNED, target=State.RESPONDED,
                permission=transition_permission(Action.RESPOND))
    def respond(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.response = data["response"]
        self.pending_info_request = ""
        self.responded_at = now
        self.first_answered_at = self.first_answered_at or now

    @transition(field=state, source=State.RESPONDED, target=State.ASSIGNED,
                conditions=[conditions.reply_window_open],
                permission=transition_permission(Action.DISPUTE))
    def dispute(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.dispute_count += 1

    # Acceptance is not bound to the reply window: a citizen who accepts late still closes
    # the complaint as resolved, which is the truth, unless auto_close came first.
    @transition(field=state, source=State.RESPONDED, target=State.CLOSED,
                permission=transition_permission(Action.ACCEPT))
    def accept(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self._close(ClosureReason.RESOLVED, now)

    @transition(field=state, source=State.RESPONDED, target=State.CLOSED,
                conditions=[conditions.reply_window_expired],
                permission=transition_permission(Action.AUTO_CLOSE))
    def auto_close(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self._close(ClosureReason.NO_REPLY, now)

    @transition(field=state, source=State.RECEIVED, target=State.CLOSED,
                permission=transition_permission(Action.REJECT))
    def reject(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self.rejection_reason = data["reason"]
        self.duplicate_of = data.get("duplicate_of")
        self.first_answered_at = self.first_answered_at or now
        self._close(ClosureReason.REJECTED, now)

    @transition(field=state, source=State.RECEIVED, target=State.CLOSED,
                permission=transition_permission(Action.REFER))
    def refer(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        target = data.get("agency")
        self.referred_to_agency = target.name if target else data["agency_name"]
        self.first_answered_at = self.first_answered_at or now
        self._close(ClosureReason.REFERRED, now)

    @transition(field=state, source=[State.RECEIVED, State.ASSIGNED], target=State.CLOSED,
                permission=transition_permission(Action.WITHDRAW))
    def withdraw(self, *, now: dt.datetime, data: dict[str, Any]) -> None:
        self._close(ClosureReason.WITHDRAWN, now)

    def _close(self, reason: ClosureReason, now: dt.datetime) -> None:
        self.closure_reason = reason
        self.closed_at = now


class Reporter(models.Model):
    """The reporter's identity, kept apart from the complaint so that only roles allowed to see
    it load it, and every such view can be logged."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="reporter")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    id_number = models.CharField(max_length=32, blank=True, help_text=_("NIK, if given."))
    address = models.CharField(max_length=300, blank=True)
    consent_to_share = models.BooleanField(
        default=False, help_text=_("The reporter agreed that the ombudsman may see the identity.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        # Never the name: the admin prints this in titles and breadcrumbs.
        return f"reporter #{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored names are opaque; the citizen's file name is kept in `original_name` only.
    return f"attachments/{instance.complaint.tracking_number}/{instance.sha256[:32]}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_role = models.CharField(max_length=20, choices=Role.choices)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Feedback(models.Model):
    """The citizen's rating given when accepting the response."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_one_to_five"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.rating}/5"


# Roles that act inside one agency or unit; the others are system-wide.
AGENCY_ROLES = (Role.COORDINATOR, Role.OFFICER, Role.SUPERVISOR)


class Membership(models.Model):
    """A user's role, in an agency or unit for coordinators, officers and supervisors, or
    system-wide for ombudsman staff and administrators."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=20,
        choices=[(r.value, r.label) for r in (*AGENCY_ROLES, Role.OMBUDSMAN, Role.ADMINISTRATOR)],
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "agency"], name="one_membership"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=[r.value for r in AGENCY_ROLES], agency__isnull=False)
                    | models.Q(role__in=[Role.OMBUDSMAN, Role.ADMINISTRATOR], agency__isnull=True)
                ),
                name="agency_roles_have_agency",
            ),
        ]

    def __str__(self) -> str:
        where = f" @ {self.agency}" if self.agency_id else ""
        return f"{self.user} — {self.get_role_display()}{where}"

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and self.agency_id is None:
            raise ValidationError(_("This role needs an agency or unit."))
        if self.role not in AGENCY_ROLES and self.agency_id is not None:
            raise ValidationError(_("This role is system-wide; leave the agency empty."))
