"""Django admin for the domain records: the administrator's tool for agencies, calendars,
services, service standards, users and roles.

Complaints can be inspected here but their workflow fields cannot be changed: state and
everything the workflow owns are read-only, complaints are neither added nor deleted here
(`complaint_submit` creates them), and the complaint actions go through
`complaint_transition` and the audit module like every other surface.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from complaints.attachments import KINDS as ATTACHMENT_KINDS
from complaints.forms.citizen import RATING_CHOICES
from complaints.identifiers import normalize_tracking_number
from complaints.models import (
    Agency,
    Attachment,
    ClockPolicy,
    Complaint,
    ComplexityTier,
    Feedback,
    HolidayOverride,
    Membership,
    Reporter,
    Service,
    ServiceStandard,
    Visibility,
)
from workflow import audit
from workflow.errors import WorkflowError
from workflow.models import Clock, Event
from workflow.permissions import Actor
from workflow.services import complaint_transition, reporter_for
from workflow.states import Action, ClockStatus, RejectionReason

admin.site.site_header = _("Aduan administration")
admin.site.site_title = _("Aduan")


class ReadOnlyAdminMixin:
    """For records only the workflow writes: they can be viewed, never added, changed or
    deleted here. Works for model admins and inlines alike. Their tables grow with the
    complaints, so a list counts its rows once, not again for "of N in all"."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Every shown field, including those the model marks non-editable (auto_now_add),
        # which a form could not even be built with.
        extra = tuple(getattr(self, "readonly_fields", ()))
        opts = self.model._meta  # type: ignore[attr-defined]
        shown = getattr(self, "fields", None) or [
            f.name for f in opts.concrete_fields if not f.auto_created
        ]
        return (*shown, *(name for name in extra if name not in shown))


class OptionsFilter(admin.SimpleListFilter):
    """A filter offering every value a field can hold, named, for a field that has no choices:
    Django's own filter lists the values found, and reads every row to find them. On the
    tables that grow with the complaints that was the slowest part of their lists
    (docs/performance.md, finding 21). Subclasses name the `parameter_name`, the `title`
    and the `options()`, and the `field` when it is not the parameter's name."""

    field: str | None = None

    def options(self) -> dict[str, Any]:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(self.options().items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in self.options():
            return queryset.filter(**{self.field or self.parameter_name: self.value()})
        return queryset


class ContentTypeFilter(OptionsFilter):
    title = _("content type")
    parameter_name = "content_type"

    def options(self) -> dict[str, Any]:
        return {kind: kind for kind, _extensions, _starts in ATTACHMENT_KINDS}


class RatingFilter(OptionsFilter):
    title = _("rating")
    parameter_name = "rating"

    def options(self) -> dict[str, Any]:
        return {str(value): label for value, label in RATING_CHOICES}


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# --- agencies and calendars ------------------------------------------------------------------

class HolidayOverrideInline(admin.TabularInline):
    model = HolidayOverride
    extra = 0
    fields = ("date", "is_working_day", "description")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "code", "parent", "time_zone", "working_weekdays",
                    "office_hours", "cuti_bersama_is_working", "is_active")
    list_filter = ("time_zone", "is_active", "cuti_bersama_is_working")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    fieldsets = (
        (None, {"fields": ("code", "name", "parent", "path", "email", "is_active")}),
        (_("Calendar"), {"fields": ("time_zone", "working_weekdays", "office_opens",
                                    "office_closes", "cuti_bersama_is_working")}),
    )
    inlines = (HolidayOverrideInline,)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, agency: Agency) -> str:
        depth = agency.path.strip("/").count("/")
        return "— " * depth + agency.name

    @admin.display(description=_("office hours"))
    def office_hours(self, agency: Agency) -> str:
        return f"{agency.office_opens:%H:%M}–{agency.office_closes:%H:%M}"


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "agency", "is_working_day", "description")
    list_filter = ("is_working_day", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("description", "agency__name", "agency__code")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    date_hierarchy = "date"


# --- services and their standards ------------------------------------------------------------

def _pinned(standard: ServiceStandard | None) -> bool:
    """Whether complaints pin this standard version. The workflow keeps reading a pinned
    standard (tiers at assignment, clocks at respond and request_info), so editing it would
    change the deadlines of complaints already received: a pinned version is frozen, and a
    change is a new version."""
    if standard is None or standard.pk is None:
        return False
    if not hasattr(standard, "_pinned"):
        standard._pinned = standard.complaints.exists()  # type: ignore[attr-defined]
    return standard._pinned  # type: ignore[attr-defined]


class ServiceStandardInline(ReadOnlyTabularInline):
    model = ServiceStandard
    fields = ("version", "effective_from", "legal_reference", "created_at")
    ordering = ("-version",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "agency", "group", "version_in_force", "is_active")
    list_filter = ("is_active", ("agency", admin.RelatedOnlyFieldListFilter), "group")
    search_fields = ("code", "name", "keywords", "agency__name")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    readonly_fields = ("new_version",)
    inlines = (ServiceStandardInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        return super().get_queryset(request).with_version_in_force(timezone.now())

    @admin.display(description=_("standard in force"), ordering="version_in_force")
    def version_in_force(self, service: Service) -> str:
        version = service.version_in_force  # type: ignore[attr-defined]
        return f"v{version}" if version else "—"

    @admin.display(description=_("new standard version"))
    def new_version(self, service: Service) -> str:
        if service.pk is None:
            return "—"
        latest = service.standards.aggregate(v=Max("version"))["v"] or 0
        url = reverse("admin:complaints_servicestandard_add")
        return format_html('<a href="{}?service={}&version={}">{}</a>', url, service.pk,
                           latest + 1, gettext("Add version %(v)s") % {"v": latest + 1})


class StandardPartInline(admin.TabularInline):
    """Clocks and tiers of a standard; frozen once complaints pin the standard."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not _pinned(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _pinned(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _pinned(obj)


class ClockPolicyInline(StandardPartInline):
    model = ClockPolicy
    fields = ("name", "duration", "unit", "warning_fraction", "pausable", "ceiling",
              "legal_reference")


class ComplexityTierInline(StandardPartInline):
    model = ComplexityTier
    fields = ("code", "label", "duration", "unit", "is_default")


STANDARD_FIELDS = ("service", "version", "effective_from", "legal_reference", "summary",
                   "created_at")


@admin.register(ServiceStandard)
class ServiceStandardAdmin(admin.ModelAdmin):
    list_display = ("__str__", "service", "version", "effective_from", "legal_reference",
                    "is_pinned")
    list_filter = (("service__agency", admin.RelatedOnlyFieldListFilter), "effective_from")
    search_fields = ("service__name", "service__code", "legal_reference")
    list_select_related = ("service",)
    autocomplete_fields = ("service",)
    fields = STANDARD_FIELDS
    inlines = (ClockPolicyInline, ComplexityTierInline)
    actions = ("copy_as_new_version",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceStandard]:
        pinned = Exists(Complaint.objects.filter(standard=OuterRef("pk")))
        return super().get_queryset(request).annotate(pinned=pinned)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return STANDARD_FIELDS if _pinned(obj) else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not _pinned(obj)

    @admin.display(description=_("pinned by complaints"), boolean=True, ordering="pinned")
    def is_pinned(self, standard: ServiceStandard) -> bool:
        return standard.pinned  # type: ignore[attr-defined]

    @admin.action(description=_("Copy as a new version"), permissions=["add"])
    def copy_as_new_version(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for standard in queryset.select_related("service__agency"):
            copy = _copy_standard(standard)
            self.message_user(request, gettext(
                "%(copy)s created from v%(version)s; it takes effect on %(day)s unless you "
                "change that date.") % {"copy": copy, "version": standard.version,
                                        "day": copy.effective_from}, messages.SUCCESS)


def _copy_standard(standard: ServiceStandard) -> ServiceStandard:
    service = standard.service
    tomorrow = timezone.localtime(timezone.now(), service.agency.zone).date() + dt.timedelta(1)
    with transaction.atomic():
        latest = service.standards.select_for_update().aggregate(v=Max("version"))["v"]
        copy = ServiceStandard.objects.create(
            service=service, version=latest + 1, effective_from=tomorrow,
            legal_reference=standard.legal_reference, summary=standard.summary,
        )
        ClockPolicy.objects.bulk_create(
            ClockPolicy(standard=copy, name=c.name, duration=c.duration, unit=c.unit,
                        warning_fraction=c.warning_fraction, pausable=c.pausable,
                        ceiling=c.ceiling, legal_reference=c.legal_reference)
            for c in standard.clocks.all()
        )
        ComplexityTier.objects.bulk_create(
            ComplexityTier(standard=copy, code=t.code, label=t.label, duration=t.duration,
                           unit=t.unit, is_default=t.is_default)
            for t in standard.tiers.all()
        )
    return copy


class StandardPartAdmin(admin.ModelAdmin):
    """A clock policy or tier on its own page; frozen like its standard."""

    list_select_related = ("standard__service",)
    search_fields = ("standard__service__name", "standard__service__code")
    list_filter = (("standard__service__agency", admin.RelatedOnlyFieldListFilter),)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not (
            obj is not None and _pinned(obj.standard))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (
            obj is not None and _pinned(obj.standard))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "standard":
            kwargs["queryset"] = (ServiceStandard.objects.filter(complaints__isnull=True)
                                  .select_related("service"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ClockPolicy)
class ClockPolicyAdmin(StandardPartAdmin):
    list_display = ("standard", "name", "duration", "unit", "warning_fraction", "pausable",
                    "ceiling")
    list_filter = (*StandardPartAdmin.list_filter, "name", "unit", "pausable")


@admin.register(ComplexityTier)
class ComplexityTierAdmin(StandardPartAdmin):
    list_display = ("standard", "code", "label", "duration", "unit", "is_default")
    list_filter = (*StandardPartAdmin.list_filter, "code", "is_default")


# --- complaints ----------------------------------------------------------------------------

class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "uploaded_by_role", "uploaded_at")


class FeedbackInline(ReadOnlyTabularInline):
    model = Feedback
    fields = ("rating", "comment", "created_at")


class ClockInline(ReadOnlyTabularInline):
    model = Clock
    fields = ("name", "cycle", "status", "started_at", "due_at", "paused_at", "stopped_at",
              "extended_by", "extension_reason")
    readonly_fields = ("status",)

    @admin.display(description=_("status"))
    def status(self, clock: Clock) -> str:
        return ClockStatus(clock.status(timezone.now())).label


class EventInline(ReadOnlyTabularInline):
    model = Event
    fields = ("seq", "action", "role", "actor_label", "occurred_at", "from_state", "to_state")
    ordering = ("seq",)


class BreachFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("breached", _("A deadline is breached")), ("ok", _("No deadline breached"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("breached", "ok"):
            return queryset.filter(breached=self.value() == "breached")
        return queryset


class AgencyFilter(admin.RelatedFieldListFilter):
    """The agencies that offer services: a complaint's agency is its service's. A read of two
    small tables, where RelatedOnlyFieldListFilter reads the agency of every complaint."""

    def field_choices(self, field: Any, request: HttpRequest,
                      model_admin: Any) -> list[tuple[Any, str]]:
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering,
                                 limit_choices_to=Q(pk__in=Service.objects.values("agency")))


class ReceivedFilter(admin.DateFieldListFilter):
    """Django's windows (today, the past 7 days, this month, this year), then every year from
    the first complaint received to the last, newest first. The years are two reads of the
    index on the date, where a date hierarchy lists them by reading every complaint."""

    def __init__(self, field: Any, request: HttpRequest, params: dict[str, Any], model: Any,
                 model_admin: Any, field_path: str) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        span = model._default_manager.aggregate(first=Min(field_path), last=Max(field_path))
        if span["first"] is None:
            return
        first, last = (timezone.localtime(span[end]).year for end in ("first", "last"))
        starts = {year: timezone.make_aware(dt.datetime(year, 1, 1))
                  for year in range(first, last + 2)}
        self.links += tuple(
            (str(year), {self.lookup_kwarg_since: starts[year],
                         self.lookup_kwarg_until: starts[year + 1]})
            for year in range(last, first - 1, -1))


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    # No reporter identity in the list: it is shown only on the reporter's own page, and
    # every view of it is recorded.
    list_display = ("tracking_number", "title", "state", "closure_reason", "agency", "service",
                    "unit", "assignee", "channel", "visibility", "received_at", "sla_breached")
    list_filter = ("state", "closure_reason", BreachFilter, ("received_at", ReceivedFilter),
                   "channel", "visibility", "classification", ("agency", AgencyFilter))
    search_fields = ("tracking_number", "title")
    list_select_related = ("agency", "service", "unit", "assignee")
    show_full_result_count = False  # one COUNT of a million rows is enough
    fieldsets = (
        (None, {"fields": ("tracking_number", "state", "closure_reason", "rejection_reason",
                           "agency", "service", "standard", "channel", "visibility",
                           "classification", "complexity", "reporter_identity")}),
        (_("Complaint"), {"fields": ("title", "description", "location_text", "latitude",
                                     "longitude")}),
        (_("Handling"), {"fields": ("unit", "assignee", "pending_info_request", "response",
                                    "dispute_count", "duplicate_of", "referred_to",
                                    "referred_to_agency")}),
        (_("Times"), {"fields": ("received_at", "assigned_at", "first_answered_at",
                                 "responded_at", "closed_at", "created_at", "updated_at")}),
    )
    # Everything is read-only: a complaint changes only through the workflow service, which
    # writes the audit trail.
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])
    inlines = (AttachmentInline, FeedbackInline, ClockInline, EventInline)
    actions = ("reject_as_spam", "verify_audit_chain")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        breached = Exists(Clock.objects.filter(complaint=OuterRef("pk"))
                          .in_status(ClockStatus.BREACHED, timezone.now()))
        return super().get_queryset(request).annotate(breached=breached)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Complaint],
                           search_term: str) -> tuple[QuerySet[Complaint], bool]:
        # A tracking number as read over the phone: lower case, spaces, no dash.
        number = normalize_tracking_number(search_term)
        if number:
            return queryset.filter(tracking_number=number), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # complaints are received through complaint_submit

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a complaint and its audit trail are records

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # view only; the actions below go through the workflow service

    @admin.display(description=_("SLA breached"), boolean=True, ordering="breached")
    def sla_breached(self, complaint: Complaint) -> bool:
        return complaint.breached  # type: ignore[attr-defined]

    @admin.display(description=_("reporter"))
    def reporter_identity(self, complaint: Complaint) -> str:
        reporter = Reporter.objects.filter(complaint=complaint).only("pk").first()
        if reporter is None:
            return gettext("No identity given")
        if complaint.visibility == Visibility.ANONYMOUS:
            return gettext("Hidden: anonymous complaint")
        url = reverse("admin:complaints_reporter_change", args=[reporter.pk])
        return format_html('<a href="{}">{}</a>', url,
                           gettext("Show identity (the view is recorded in the audit trail)"))

    @admin.action(description=_("Reject as spam"))
    def reject_as_spam(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        actor = Actor.staff(request.user)
        rejected = 0
        for complaint in queryset.order_by("pk"):
            try:
                complaint_transition(complaint=complaint, action=Action.REJECT, actor=actor,
                                     payload={"reason": RejectionReason.SPAM})
            except WorkflowError as exc:
                self.message_user(request, f"{complaint.tracking_number}: {exc.message}",
                                  messages.ERROR)
            else:
                rejected += 1
        if rejected:
            self.message_user(request, ngettext(
                "%(n)d complaint rejected as spam.", "%(n)d complaints rejected as spam.",
                rejected) % {"n": rejected}, messages.SUCCESS)

    @admin.action(description=_("Verify audit chain"))
    def verify_audit_chain(self, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        intact = 0
        complaints = queryset.select_related(None).order_by("pk").only("pk", "tracking_number")
        for complaint in complaints:
            report = audit.verify_complaint(complaint)
            if report.ok:
                intact += 1
            else:
                self.message_user(request, gettext(
                    "%(number)s: the audit chain is broken at event %(seq)s: %(reason)s")
                    % {"number": report.tracking_number, "seq": report.broken_seq,
                       "reason": report.reason}, messages.ERROR)
        if intact:
            self.message_user(request, ngettext(
                "%(n)d audit chain verified: intact.", "%(n)d audit chains verified: intact.",
                intact) % {"n": intact}, messages.SUCCESS)


@admin.register(Reporter)
class ReporterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The reporter's identity: never in the list, searchable only by tracking number, and
    shown only through `reporter_for`, which refuses anonymous complaints and records each
    view as an audit event."""

    list_display = ("complaint", "visibility", "consent_to_share", "created_at")
    list_filter = ("consent_to_share", "complaint__visibility")
    search_fields = ("complaint__tracking_number",)
    list_select_related = ("complaint",)
    fields = ("complaint", "name", "email", "phone", "id_number", "address",
              "consent_to_share", "created_at")

    @admin.display(description=_("visibility"), ordering="complaint__visibility")
    def visibility(self, reporter: Reporter) -> str:
        return reporter.complaint.get_visibility_display()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._show_identity(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._show_identity(request, object_id)  # its title names the reporter
        return super().history_view(request, object_id, extra_context)

    def _show_identity(self, request: HttpRequest, object_id: str) -> None:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        reporter = self.get_object(request, unquote(object_id))
        if reporter is not None and self.has_view_permission(request, reporter):
            if reporter_for(reporter.complaint, Actor.staff(request.user)) is None:
                raise PermissionDenied


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("complaint", "original_name", "content_type", "size", "uploaded_by_role",
                    "uploaded_at")
    list_filter = ("uploaded_by_role", ContentTypeFilter)
    search_fields = ("complaint__tracking_number", "original_name")
    list_select_related = ("complaint",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("complaint", "rating", "created_at")
    list_filter = (RatingFilter,)
    search_fields = ("complaint__tracking_number",)
    list_select_related = ("complaint",)


# --- users and roles -------------------------------------------------------------------------

@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "agency", "created_at")
    list_filter = ("role", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "agency__name",
                     "agency__code")
    list_select_related = ("user", "agency")
    autocomplete_fields = ("user", "agency")


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("role", "agency")
    autocomplete_fields = ("agency",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AduanUserAdmin(UserAdmin):
    inlines = (*UserAdmin.inlines, MembershipInline)
    list_display = (*UserAdmin.list_display, "roles")
    list_filter = (*UserAdmin.list_filter, "memberships__role")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("memberships__agency")

    @admin.display(description=_("roles"))
    def roles(self, user: Any) -> str:
        return ", ".join(
            f"{m.get_role_display()} @ {m.agency.code}" if m.agency else m.get_role_display()
            for m in user.memberships.all()
        )
