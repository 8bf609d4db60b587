"""Template helpers shared by the citizen and staff pages: times in the agency's zone,
deadlines in the citizen's words, and SLA badges with the one status definition."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workflow.states import ClockName, ClockStatus, State

register = template.Library()

# Indonesian zones by their legal names (Perpres 41/1987); others by their abbreviation.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}

# What each deadline means for the citizen: "<phrase> <date>".
CITIZEN_PHRASES = {
    ClockName.VERIFY: _("verified by"),
    ClockName.FIRST_RESPONSE: _("answered by"),
    ClockName.STATUTORY_ANSWER: _("first answer by law by"),
    ClockName.RESOLUTION: _("settled by"),
    ClockName.INFO_WAIT: _("send the requested information by"),
    ClockName.REPLY_WINDOW: _("accept or dispute the answer by"),
}

STATUS_LABELS = {
    ClockStatus.RUNNING: pgettext_lazy("clock status", "On time"),
    ClockStatus.AT_RISK: pgettext_lazy("clock status", "Due soon"),
    ClockStatus.BREACHED: pgettext_lazy("clock status", "Overdue"),
    ClockStatus.MET: pgettext_lazy("clock status", "Met"),
    ClockStatus.PAUSED: pgettext_lazy("clock status", "Paused"),
}


def zone_label(zone: str) -> str:
    return ZONE_NAMES.get(zone, zone)


@register.filter
def local(value: dt.datetime | None, zone: str) -> str:
    """`{{ complaint.received_at|local:complaint.agency.time_zone }}` →
    "Senin, 2 Februari 2026 09.00 WIB"."""
    if value is None:
        return ""
    moment = timezone.localtime(value, _zone(zone))
    return _local_text(moment.date(), moment.hour, moment.minute, zone,
                       translation.get_language())


@functools.lru_cache(maxsize=16384)
def _local_text(day: dt.date, hour: int, minute: int, zone: str, language: str | None) -> str:
    # Formatting with the active language's names costs some 25 µs; a queue page shows a
    # hundred instants, and the same minutes over and over (deadlines end at 23:59).
    moment = dt.datetime.combine(day, dt.time(hour, minute))
    return f"{date_format(moment, 'l, j F Y')} {date_format(moment, 'TIME_FORMAT')} " \
           f"{zone_label(zone)}"


@register.filter
def local_date(value: dt.datetime | None, zone: str) -> str:
    """The day only: "Rabu, 25 Maret 2026" (deadlines end at 23:59:59 local)."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value, _zone(zone)), "l, j F Y")


def _zone(zone: str) -> ZoneInfo:
    return ZoneInfo(zone)


@register.simple_tag
def citizen_deadline(clock: Any, zone: str) -> str:
    """"answered by Wednesday, 25 March 2026" — in the active language."""
    phrase = CITIZEN_PHRASES.get(clock.name, clock.get_name_display())
    return f"{phrase} {local_date(clock.due_at, zone)}"


@register.simple_tag
def sla_badge(clock: Any, now: dt.datetime | None = None) -> str:
    return _status_badge(clock.status(now or timezone.now()))


def _status_badge(status: str) -> str:
    return format_html('<span class="badge {}">{}</span>', status, STATUS_LABELS[status])


@register.simple_tag
def queue_row(row: Any) -> str:
    """One row of the staff queue (selectors.QueueRow), built as Django's admin builds the
    cells of its change lists: as a template, a dozen nodes a row made rendering 50 rows
    a third of the page's time."""
    if row.next_clock:
        next_due = format_html('<time datetime="{}">{}</time><br>{} {}',
                               _iso(row.next_due), local(row.next_due, row.zone),
                               _clock_label(row.next_clock.name),
                               _status_badge(row.next_clock.status))
    else:
        next_due = format_html('<span class="hint">{}</span>', gettext("None running"))
    unit = row.unit or format_html('<span class="hint">{}</span>', gettext("Not assigned"))
    badges = format_html_join("", "<li>{} {}</li>", (
        (_clock_label(clock.name), _status_badge(clock.status)) for clock in row.badges))
    return format_html(
        '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td>'
        '<td><span class="badge state">{}</span></td><td>{}{}</td>'
        '<td><time datetime="{}">{}</time></td><td>{}</td>'
        '<td><ul class="clock-badges">{}</ul></td></tr>',
        reverse("staff:detail", args=[row.tracking_number]), row.tracking_number, row.title,
        row.service, state_label(row.state), unit,
        format_html("<br>{}", row.assignee) if row.assignee else "",
        _iso(row.received_at), local(row.received_at, row.zone), next_due, badges)


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()  # as {{ value|date:"c" }}


# Lookups in a dict: get_name_display() rebuilds the field's choices, and Choices.values
# its list, on every call; a queue page names some 250 clocks and states.
CLOCK_LABELS = dict(ClockName.choices)
STATE_LABELS = dict(State.choices)


def _clock_label(name: str) -> str:
    return str(CLOCK_LABELS.get(name, name))


@register.filter
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@register.filter
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


@register.filter
def figure(value: Any, suffix: str = "") -> str:
    """A statistic with one decimal, or a dash when there was nothing to measure:
    `{{ x|figure:" %" }}`."""
    if value is None:
        return "—"
    return f"{floatformat(value, 1)}{suffix}"
