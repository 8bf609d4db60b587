"""Template helpers shared by the citizen and staff pages: times in the agency's zone,
deadlines in the citizen's words, and SLA badges with the one status definition."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Hashable, Sequence
from html import escape
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django import template
from django.forms import BoundField
from django.middleware.csrf import get_token
from django.template import Context
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.kept import kept
from workflow.states import ClockName, ClockStatus, Role, State, TimeUnit

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
    return "" if value is None else _local(value, zone, translation.get_language())


def _local(value: dt.datetime, zone: str, language: str | None) -> str:
    moment = timezone.localtime(value, _zone(zone))
    return _local_text(moment.date(), moment.hour, moment.minute, zone, language)


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


@register.simple_tag(takes_context=True)
def frame(context: Context, name: str) -> str:
    """The template `name`, a part of every page's frame (the site's header, the staff
    navigation), written once per process for each language, person and `can_intake`, and
    kept: their links and translations, the same on every page, took 0.6 ms of a staff page
    (docs/performance.md, finding 61). What differs from one request to the next, the CSRF
    token and the page's path, is put in for each. The template sees `user`, `can_intake`,
    `csrf_token` and `next_path`, and nothing else."""
    request = context["request"]
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    key = (name, translation.get_language(), get_script_prefix(), signed_in,
           user.get_username() if signed_in else "", bool(context.get("can_intake")))
    html = kept(_FRAMES, FRAMES_KEPT, key, lambda: get_template(name).render({
        "user": user, "can_intake": key[-1], "csrf_token": _CSRF_SLOT, "next_path": _PATH_SLOT}))
    # The path last: what it puts in is never searched for a slot.
    return mark_safe(html.replace(_CSRF_SLOT, get_token(request))
                     .replace(_PATH_SLOT, escape(request.get_full_path())))


# What frame keeps: at most this many frames a process (a few KB each), and the slots it
# fills, which nothing a page writes can hold (a NUL is never in a template or a path).
FRAMES_KEPT = 4096
_FRAMES: dict[Hashable, str] = {}
_CSRF_SLOT, _PATH_SLOT = "\x00csrf_token\x00", "\x00next_path\x00"


@register.simple_tag
def queue_body(rows: Sequence[Any]) -> str:
    """The rows of the staff queue (selectors.QueueRow), written as Django's admin writes
    the cells of its change lists, but from fragments made once per language: format_html
    escaped and translated each label again for every one of a page's some 300 cells, and
    that was half of the page's time."""
    if not rows:
        return format_html('<tr><td colspan="8">{}</td></tr>', gettext("No complaints here."))
    time = _TimeWriter.active()
    words = _page_words(time.language)
    # Tracking numbers are letters, digits and a dash, as they stand in the path.
    link = reverse("staff:detail", args=[_NUMBER]).partition(_NUMBER)
    return mark_safe("".join(_queue_row(row, words, link, time) for row in rows))


_NUMBER = "NUMBER"


class _PageWords(NamedTuple):
    """What the queue's rows and a complaint's timeline write in one language, escaped."""

    badges: dict[str, dict[str, str]]  # clock name → status → "<li>label badge</li>"
    next_badges: dict[str, dict[str, str]]  # clock name → status → "label badge"
    states: dict[str, str]
    roles: dict[str, str]
    none_running: str
    not_assigned: str

    def state(self, state: str) -> str:
        return self.states.get(state) or escape(state)


@functools.lru_cache(maxsize=8)
def _page_words(language: str | None) -> _PageWords:
    badge = {status: str(_status_badge(status)) for status in ClockStatus.values}
    clocks = {name: escape(str(label)) for name, label in CLOCK_LABELS.items()}
    return _PageWords(
        badges={name: {status: f"<li>{label} {badge[status]}</li>" for status in badge}
                for name, label in clocks.items()},
        next_badges={name: {status: f"{label} {badge[status]}" for status in badge}
                     for name, label in clocks.items()},
        states={state: escape(str(label)) for state, label in STATE_LABELS.items()},
        roles={role: escape(str(label)) for role, label in ROLE_LABELS.items()},
        none_running=f'<span class="hint">{escape(gettext("None running"))}</span>',
        not_assigned=f'<span class="hint">{escape(gettext("Not assigned"))}</span>',
    )


class _TimeWriter(NamedTuple):
    """Writes `<time>` elements, the moment as `{{ value|date:"c" }}` and its text as
    `local`, with the active time zone and language read once: read from the request's
    state for each of a queue page's hundred, they were more than half of its rows' time."""

    current: dt.tzinfo
    language: str | None

    @classmethod
    def active(cls) -> _TimeWriter:
        return cls(timezone.get_current_timezone(), translation.get_language())

    def __call__(self, value: dt.datetime, zone: str) -> str:
        return (f'<time datetime="{value.astimezone(self.current).isoformat()}">'
                f"{escape(self.text(value, zone))}</time>")

    def text(self, value: dt.datetime, zone: str) -> str:
        """`value|local:zone`."""
        return _local(value, zone, self.language)


def _queue_row(row: Any, words: _PageWords, link: tuple[str, str, str], time: _TimeWriter
               ) -> str:
    if row.next_clock:
        clock = row.next_clock
        next_due = (f"{time(row.next_due, row.zone)}<br>"
                    f"{words.next_badges[clock.name][clock.status]}")
    else:
        next_due = words.none_running
    unit = escape(row.unit) if row.unit else words.not_assigned
    assignee = f"<br>{escape(row.assignee)}" if row.assignee else ""
    badges = "".join(words.badges[clock.name][clock.status] for clock in row.badges)
    number = escape(row.tracking_number)
    return (f'<tr><th scope="row"><a href="{link[0]}{number}{link[2]}">{number}</a></th>'
            f"<td>{escape(row.title)}</td><td>{escape(row.service)}</td>"
            f'<td><span class="badge state">{words.states[row.state]}</span></td>'
            f"<td>{unit}{assignee}</td>"
            f"<td>{time(row.received_at, row.zone)}</td><td>{next_due}</td>"
            f'<td><ul class="clock-badges">{badges}</ul></td></tr>')


@register.simple_tag
def timeline(events: Sequence[tuple[Any, str, Sequence[tuple[str, str]]]], zone: str) -> str:
    """The items of a staff page's timeline: each event (with its label and its details as
    name/value pairs) at its time in the agency's zone, by whom, and the change of state it
    made. Written as the queue's rows are: a complaint's tens of events, a dozen template
    nodes each, were a third of its page."""
    time = _TimeWriter.active()
    words = _page_words(time.language)
    return mark_safe("".join(_timeline_item(*item, zone, time, words) for item in events))


def _timeline_item(event: Any, label: str, details: Sequence[tuple[str, str]], zone: str,
                   time: _TimeWriter, words: _PageWords) -> str:
    change = ""
    if event.from_state and event.to_state and event.from_state != event.to_state:
        change = (f' <span class="hint">{words.state(event.from_state)} → '
                  f"{words.state(event.to_state)}</span>")
    facts = "".join(f"<dt>{escape(name)}</dt><dd>{_lines(value)}</dd>"
                    for name, value in details)
    return (f"<li>{time(event.occurred_at, zone)} <strong>{escape(label)}"
            f"</strong> — {escape(event.actor_label)} "
            f"({words.roles.get(event.role) or escape(event.role)}){change}"
            + (f'<dl class="facts">{facts}</dl>' if facts else "") + "</li>")


def _lines(text: str) -> str:
    """`text|linebreaksbr`: escaped, each line break a <br>."""
    return escape(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


@register.simple_tag
def deadline_rows(clocks: Sequence[Any], zone: str, now: dt.datetime) -> str:
    """The rows of a staff page's table of deadlines: each clock by its name (and cycle)
    and its length, when it is due, its extension, when it stopped or paused, and its
    status at `now`. Written as the timeline is: a complaint's four clocks, twenty template
    nodes each, took a fifth of its page's template."""
    if not clocks:
        return format_html('<tr><td colspan="3">{}</td></tr>', gettext("No deadlines."))
    time = _TimeWriter.active()
    return mark_safe("".join(_deadline_row(clock, zone, now, time) for clock in clocks))


def _deadline_row(clock: Any, zone: str, now: dt.datetime, time: _TimeWriter) -> str:
    name = escape(clock_label(clock.name))
    if clock.cycle > 1:
        name += f" ({escape(gettext('cycle %(cycle)s'))})" % {"cycle": clock.cycle}
    unit = escape(unit_label(clock.unit))
    notes = ""
    if clock.extended_by:
        extended = escape(gettext("Extended by %(amount)s %(unit)s:")) % {
            "amount": clock.extended_by, "unit": unit}
        notes += f'<br><span class="hint">{extended} {escape(clock.extension_reason)}</span>'
    if clock.stopped_at is not None:
        notes += _hint(gettext("Stopped"), time.text(clock.stopped_at, zone))
    if clock.paused_at is not None:
        notes += _hint(gettext("Paused since"), time.text(clock.paused_at, zone))
    return (f'<tr><th scope="row">{name}<br><span class="hint">{clock.duration} {unit}'
            f"</span></th><td>{time(clock.due_at, zone)}{notes}</td>"
            f"<td>{_status_badge(clock.status(now))}</td></tr>")


def _hint(words: str, moment: str) -> str:
    return f'<br><span class="hint">{escape(words)} {escape(moment)}</span>'


# Lookups in a dict: get_name_display() rebuilds the field's choices, and Choices.values
# its list, on every call; a queue page names some 250 clocks and states.
CLOCK_LABELS = dict(ClockName.choices)
STATE_LABELS = dict(State.choices)
ROLE_LABELS = dict(Role.choices)
UNIT_LABELS = dict(TimeUnit.choices)


@register.filter
def clock_label(name: str) -> str:
    return str(CLOCK_LABELS.get(name, name))


@register.filter
def unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


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


@register.simple_tag
def staff_field(field: BoundField, quiet: bool = False) -> str:
    """One field of a staff form as staff/_field.html writes it (label, hint, errors and
    control; `quiet`: optional fields not marked). A field's HTML is the same whenever what
    it is made of is, and a queue page's seven filters, widgets and all, were more than half
    of its template's time (docs/performance.md, finding 34): each process keeps the HTML of
    the fields whose every part `_field_key` can name, under that key."""
    def render() -> str:
        return get_template("staff/_field.html").render({"field": field, "quiet": quiet})

    key = _field_key(field, quiet)
    return render() if key is None else kept(_KEPT_FIELDS, KEPT_FIELDS_LIMIT, key, render)


# The HTML kept by staff_field; a process keeps at most this many fields (a few KB each).
KEPT_FIELDS_LIMIT = 2048
_KEPT_FIELDS: dict[Hashable, str] = {}


def _field_key(field: BoundField, quiet: bool) -> Hashable | None:
    """Everything the HTML of `field` is made of, or None when that cannot be named: a
    field with errors, choices read from the database when the widget is written, or a
    value a person typed. Only what the form offers is kept — labels, hints and choices,
    and values chosen from them — never what someone wrote into it."""
    if field.errors:
        return None
    form_field, widget = field.field, field.field.widget
    choices = getattr(widget, "choices", ())
    if not isinstance(choices, list | tuple) or any(
            isinstance(label, list | tuple) for _value, label in choices):
        return None  # a queryset's choices, or groups of choices
    offered = {str(value) for value, _label in choices}
    value = field.value()
    values = value if isinstance(value, list | tuple) else [value]
    if any(v not in (None, "") and str(v) not in offered for v in values):
        return None
    form = field.form
    return (translation.get_language(), quiet, type(form), type(form.renderer), form.prefix,
            form.auto_id, form.label_suffix, form.use_required_attribute, field.html_name,
            type(form_field), form_field.required, form_field.disabled,
            form_field.show_hidden_initial, form_field.localize, str(field.label),
            str(field.help_text), type(widget), widget.template_name,
            getattr(widget, "input_type", None), getattr(widget, "format", None),
            tuple(sorted((k, str(v)) for k, v in widget.attrs.items())),
            tuple((str(v), str(label)) for v, label in choices),
            tuple(str(v) for v in values if v not in (None, "")), str(field.initial))
