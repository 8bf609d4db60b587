"""Django admin for the workflow's records: audit events, SLA clocks and the notification
outbox. All three are written only by the workflow, so all three are read-only here; the one
thing an administrator may do is send dead letters back to the outbox."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy as _

from complaints.admin import OptionsFilter, ReadOnlyAdminMixin
from workflow.models import Clock, Event, Notification
from workflow.notifications import TEMPLATES
from workflow.states import EVENT_ACTIONS, ClockStatus, Role


def _complaint_link(complaint: Any) -> str:
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    return format_html('<a href="{}">{}</a>', url, complaint.tracking_number)


class EventActionFilter(OptionsFilter):
    title = _("action")
    parameter_name = "action"

    def options(self) -> dict[str, Any]:
        return EVENT_ACTIONS


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only audit trail: no add, change or delete, for anyone."""

    list_display = ("complaint", "seq", "action", "role", "actor_label", "occurred_at",
                    "from_state", "to_state", "short_hash")
    list_filter = (EventActionFilter, "role", "to_state")
    search_fields = ("complaint__tracking_number", "actor_label", "=hash")
    list_select_related = ("complaint",)
    # Newest recorded first, by primary key: the table grows without bound and only the key
    # is indexed for this order.
    ordering = ("-id",)
    fields = ("complaint", "seq", "action", "actor", "actor_label", "role", "occurred_at",
              "from_state", "to_state", "payload_json", "prev_hash", "hash")
    readonly_fields = ("payload_json",)

    @admin.display(description=_("hash"))
    def short_hash(self, event: Event) -> str:
        return event.hash[:12]

    @admin.display(description=_("payload"))
    def payload_json(self, event: Event) -> str:
        text = json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", text)


class ClockStatusFilter(OptionsFilter):
    title = _("status")
    parameter_name = "status"
    field = "status_at"  # ClockAdmin.get_queryset's annotation

    def options(self) -> dict[str, Any]:
        return dict(ClockStatus.choices)


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("complaint", "name", "cycle", "status", "started_at", "due_at",
                    "stopped_at", "extended_by")
    list_filter = (ClockStatusFilter, "name", "unit", "pausable")
    search_fields = ("complaint__tracking_number",)
    list_select_related = ("complaint",)
    readonly_fields = ("status",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clock]:
        # The one definition of a clock's status, as of this request.
        return super().get_queryset(request).with_status(timezone.now())

    @admin.display(description=_("status"), ordering="status_at")
    def status(self, clock: Clock) -> str:
        return ClockStatus(clock.status_at).label  # type: ignore[attr-defined]


def _mask(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _recipient(notification: Notification) -> str:
    # A citizen's address is part of their identity, which the admin shows only on the
    # reporter's page, where each view is recorded.
    if notification.recipient_role == Role.CITIZEN:
        return _mask(notification.recipient)
    return notification.recipient


class TemplateFilter(OptionsFilter):
    title = _("template")
    parameter_name = "template"

    def options(self) -> dict[str, Any]:
        return {name: name for name in TEMPLATES}


class LanguageFilter(OptionsFilter):
    title = _("language")
    parameter_name = "language"

    def options(self) -> dict[str, Any]:
        return dict(settings.LANGUAGES)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("template", "recipient_shown", "recipient_role", "status", "attempts",
                    "next_attempt_at", "sent_at", "complaint", "error")
    list_filter = ("status", "recipient_role", TemplateFilter, LanguageFilter)
    search_fields = ("event__complaint__tracking_number", "template")
    list_select_related = ("event__complaint",)
    ordering = ("-id",)
    fields = ("complaint", "event", "recipient_shown", "recipient_role", "template",
              "language", "status", "attempts", "next_attempt_at", "last_error", "created_at",
              "sent_at")
    readonly_fields = ("complaint", "recipient_shown")
    actions = ("retry",)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Notification],
                           search_term: str) -> tuple[QuerySet[Notification], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # An exact staff address, to find the rows of a bounce. Never a citizen's: the
            # rows it found would tell who reported an anonymous complaint. A citizen's
            # notices are found by the tracking number.
            found |= queryset.filter(recipient__iexact=term).exclude(
                recipient_role=Role.CITIZEN)
        return found, duplicates

    @admin.display(description=_("recipient"))
    def recipient_shown(self, notification: Notification) -> str:
        return _recipient(notification)

    @admin.display(description=_("complaint"), ordering="event__complaint")
    def complaint(self, notification: Notification) -> str:
        return _complaint_link(notification.event.complaint)

    @admin.display(description=_("last error"))
    def error(self, notification: Notification) -> str:
        return notification.last_error[:80]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("workflow.change_notification")

    @admin.action(description=_("Retry"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        # An outbox field, not complaint state: the worker sends these on its next pass.
        count = queryset.filter(
            status__in=[Notification.Status.DEAD, Notification.Status.PENDING]
        ).update(status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        self.message_user(request, ngettext(
            "%(n)d notification queued for another attempt.",
            "%(n)d notifications queued for another attempt.", count) % {"n": count},
            messages.SUCCESS)
