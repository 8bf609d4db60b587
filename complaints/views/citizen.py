"""Citizen pages: submit a complaint, follow it, act on it, print its proof.

Thin views: the forms check the input, `workflow.services` is the only write path, and
`complaint_for_citizen` (number + access code) is the only way in. Once a citizen has shown
the number and code, or opened the private link, this browser session may open that
complaint; nothing about a complaint is shown to a session that may not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from api.throttles import CitizenThrottle
from complaints.forms.citizen import (
    ACTION_FORMS,
    VISIBILITY_CHOICES,
    SubmitForm,
    TrackLookupForm,
    attachment_limits,
)
from complaints.identifiers import normalize_tracking_number
from complaints.models import (
    Agency,
    Channel,
    ClockPolicy,
    ComplexityTier,
    Complaint,
    Service,
    ServiceStandard,
)
from complaints.selectors import (
    CATALOGUE_SECONDS,
    catalogue_key,
    complaint_for_citizen,
    complaint_for_page,
    events_in_order,
    standards_in_force,
)
from complaints.templatetags.aduan import local_date, state_label
from workflow import calendar
from workflow.errors import InvalidInput, NotPermitted, TransitionNotAllowed, WorkflowError
from workflow.models import Clock, Event
from workflow.permissions import Actor
from workflow.services import available_actions, complaint_submit, complaint_transition
from workflow.states import Action, ClockName, RejectionReason, Role, TimeUnit

# Tracking numbers this session may open (most recent last), and the access codes of
# complaints just submitted, each shown once on the "submitted" page and then forgotten.
SESSION_COMPLAINTS = "citizen_complaints"
SESSION_NEW_TOKENS = "citizen_new_tokens"
REMEMBERED = 20


# --- session authorisation -----------------------------------------------------------------

def _authorise(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(SESSION_COMPLAINTS, []) if n != number]
    # A new session key at the moment the session gains access: a key planted beforehand
    # (session fixation) does not open the complaint.
    request.session.cycle_key()
    request.session[SESSION_COMPLAINTS] = [*numbers, number][-REMEMBERED:]


def _authorised_number(request: HttpRequest, tracking_number: str) -> str | None:
    """The canonical number, if this session may open that complaint."""
    number = normalize_tracking_number(tracking_number)
    if number and number in request.session.get(SESSION_COMPLAINTS, []):
        return number
    return None


def _lookup_page(request: HttpRequest, form: TrackLookupForm, status: int = 200
                 ) -> HttpResponse:
    return render(request, "citizen/track_lookup.html", {"form": form}, status=status)


def _locked_out(request: HttpRequest, tracking_number: str, then: str) -> HttpResponse:
    """What a session that may not open the complaint gets: the lookup form with the number
    typed in, and nothing else, whether or not the complaint exists."""
    number = normalize_tracking_number(tracking_number) or tracking_number[:20]
    form = TrackLookupForm(initial={"tracking_number": number, "then": then})
    return _lookup_page(request, form)


# --- home -----------------------------------------------------------------------------------

@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "citizen/home.html", {"lookup_form": TrackLookupForm()})


# --- submit ---------------------------------------------------------------------------------

@dataclass
class StandardView:
    """A service's published standard, in the citizen's words."""

    service: Service
    standard: ServiceStandard
    deadlines: list[tuple[str, str]]  # (sentence, legal reference)


def duration_words(amount: int, unit: str) -> str:
    if unit == TimeUnit.WORKING_DAYS:
        text = ngettext("%(count)d working day", "%(count)d working days", amount)
    elif unit == TimeUnit.CALENDAR_DAYS:
        text = ngettext("%(count)d calendar day", "%(count)d calendar days", amount)
    elif unit == TimeUnit.WORKING_HOURS:
        text = ngettext("%(count)d working hour", "%(count)d working hours", amount)
    else:
        text = ngettext("%(count)d hour", "%(count)d hours", amount)
    return text % {"count": amount}


STANDARD_SENTENCES = {
    ClockName.VERIFY: gettext_lazy("Verified within %(duration)s"),
    ClockName.FIRST_RESPONSE: gettext_lazy("Answered within %(duration)s"),
    ClockName.STATUTORY_ANSWER: gettext_lazy("First answer at the latest within %(duration)s"),
    ClockName.RESOLUTION: gettext_lazy("Settled at the latest within %(duration)s"),
    ClockName.INFO_WAIT: gettext_lazy(
        "If you are asked for more information, you have %(duration)s to send it"),
    ClockName.REPLY_WINDOW: gettext_lazy(
        "Once answered, you have %(duration)s to accept or dispute the answer"),
}


def _deadline_sentence(policy: ClockPolicy, tiers: list[ComplexityTier]) -> str:
    amount, unit = policy.duration, policy.unit
    if policy.name == ClockName.FIRST_RESPONSE and tiers:
        default = next((t for t in tiers if t.is_default), tiers[0])
        amount, unit = default.duration, default.unit
    sentence = STANDARD_SENTENCES[ClockName(policy.name)] % {
        "duration": duration_words(amount, unit)}
    if policy.name == ClockName.FIRST_RESPONSE and len(tiers) > 1:
        shortest = min(tiers, key=lambda t: (t.unit, t.duration))
        longest = max(tiers, key=lambda t: (t.unit, t.duration))
        # "from 2 to 60 working days", or with both units when the tiers mix them.
        low = (str(shortest.duration) if shortest.unit == longest.unit
               else duration_words(shortest.duration, shortest.unit))
        sentence += _("; depending on how complex the case is, from %(shortest)s to "
                      "%(longest)s") % {"shortest": low,
                                        "longest": duration_words(longest.duration,
                                                                  longest.unit)}
    return sentence


def standard_view(service: Service, standard: ServiceStandard) -> StandardView:
    order = {name: i for i, name in enumerate(ClockName.values)}
    policies = sorted(standard.clocks.all(), key=lambda p: order.get(p.name, 99))
    tiers = list(standard.tiers.all())
    deadlines = [(_deadline_sentence(p, tiers), p.legal_reference) for p in policies
                 if p.name in STANDARD_SENTENCES]
    return StandardView(service=service, standard=standard, deadlines=deadlines)


def _services_offered(now: dt.datetime) -> list[tuple[Service, ServiceStandard]]:
    """Every service taking complaints with a standard in force today, with that standard."""
    services = list(Service.objects.taking_complaints().order_by("agency__path", "name"))
    in_force = standards_in_force(services, now)
    return [(service, in_force[service.pk]) for service in services if service.pk in in_force]


def _standard_views(offered: list[tuple[Service, ServiceStandard]]) -> list[StandardView]:
    """The standards in the citizen's words: their clocks and tiers read at once."""
    prefetch_related_objects([standard for _service, standard in offered], "clocks", "tiers")
    return [standard_view(service, standard) for service, standard in offered]


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    offered = _services_offered(now)
    services = [service for service, _standard in offered]
    status = 200
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES, services=services)
        if form.is_valid():
            try:
                submitted = complaint_submit(actor=Actor(kind="citizen"), channel=Channel.WEB,
                                             now=now, **form.submission())
            except InvalidInput as exc:
                form.add_service_errors(exc)
            except WorkflowError:
                form.add_error(None, _("Your complaint could not be received. Please check "
                                       "your entries."))
            else:
                number = submitted.complaint.tracking_number
                _authorise(request, number)
                tokens = request.session.get(SESSION_NEW_TOKENS, {})
                tokens[number] = submitted.access_token
                request.session[SESSION_NEW_TOKENS] = tokens
                return redirect("citizen:submitted", tracking_number=number)
        status = 400
    else:
        form = SubmitForm(initial={"service": request.GET.get("service", "")},
                          services=services)
    selected = form.selected_service()
    chosen = [(service, standard) for service, standard in offered if service == selected]
    context = {
        "form": form,
        # Called by the template only when the list is not in the cache.
        "standards": lambda: _standard_views(offered),
        "standards_key": catalogue_key((service.pk, standard.pk)
                                      for service, standard in offered),
        "standards_seconds": CATALOGUE_SECONDS,
        "selected": next(iter(_standard_views(chosen)), None),
        "limits": attachment_limits(),
        "files_dropped": status == 400 and bool(request.FILES),
    }
    return render(request, "citizen/submit.html", context, status=status)


@never_cache
@require_safe
def submitted(request: HttpRequest, tracking_number: str) -> HttpResponse:
    number = _authorised_number(request, tracking_number)
    if number is None:
        return redirect("citizen:track", tracking_number=tracking_number)
    complaint = get_object_or_404(Complaint.objects.select_related("agency", "service"),
                                  tracking_number=number)
    tokens = request.session.get(SESSION_NEW_TOKENS, {})
    token = tokens.pop(number, None)
    if token is not None:
        request.session[SESSION_NEW_TOKENS] = tokens
    link = request.build_absolute_uri(
        reverse("citizen:track_link", args=[number, token])) if token else None
    context = {"complaint": complaint, "token": token, "link": link,
               "zone": complaint.agency.time_zone}
    return render(request, "citizen/submitted.html", context)


# --- finding a complaint --------------------------------------------------------------------

def _guessing(request: HttpRequest) -> bool:
    """Number-and-code checks share the API's per-address budget, so neither surface can be
    used to guess at speed."""
    return not CitizenThrottle().allow_request(request, None)


@never_cache
@require_http_methods(["GET", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _lookup_page(request, TrackLookupForm())
    form = TrackLookupForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form, status=400)
    if _guessing(request):
        form.add_error(None, _("Too many attempts from your connection. Please try again later."))
        return _lookup_page(request, form, status=429)
    complaint = complaint_for_citizen(form.cleaned_data["tracking_number"],
                                      form.cleaned_data["access_code"])
    if complaint is None:
        form.refuse()
        return _lookup_page(request, form, status=400)
    _authorise(request, complaint.tracking_number)
    then = "citizen:proof" if form.cleaned_data["then"] == "proof" else "citizen:track"
    return redirect(then, tracking_number=complaint.tracking_number)


@never_cache
@require_safe
def track_link(request: HttpRequest, tracking_number: str, token: str) -> HttpResponse:
    if _guessing(request):
        form = TrackLookupForm(initial={"tracking_number": tracking_number[:20]})
        form.add_error(None, _("Too many attempts from your connection. Please try again later."))
        return _lookup_page(request, form, status=429)
    complaint = complaint_for_citizen(tracking_number, token)
    if complaint is None:
        form = TrackLookupForm(initial={"tracking_number": tracking_number[:20]})
        form.refuse()
        return _lookup_page(request, form, status=404)
    _authorise(request, complaint.tracking_number)
    # Off the address bar and out of the history: the clean URL has no token in it.
    return redirect("citizen:track", tracking_number=complaint.tracking_number)


# --- the track page -------------------------------------------------------------------------

@dataclass
class Entry:
    """One line of the citizen's timeline."""

    at: dt.datetime
    title: str
    text: str = ""  # the words of the citizen or the agency, shown as written
    notes: list[str] = field(default_factory=list)


@dataclass
class Story:
    """What the timeline needs besides the events, loaded once for all of them."""

    complaint: Complaint
    zone: str
    names: dict[str, str]  # agency and unit names by code
    clocks: list[Clock]


def _agency_names(events: Iterable[Event]) -> dict[str, str]:
    codes = {e.payload.get(key) for e in events for key in ("unit", "agency")
             if e.action in (Action.ASSIGN, Action.REASSIGN, Action.REFER)}
    codes.discard(None)
    if not codes:
        return {}
    return dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))


def timeline(complaint: Complaint, events: Sequence[Event], zone: str) -> list[Entry]:
    """The citizen's view of the audit trail, oldest first. Only the events in TELLERS are
    told: never identity views, clock warnings or breaches (staff matters), and never who on
    the staff acted."""
    story = Story(complaint, zone, _agency_names(events), list(complaint.clocks.all()))
    entries: list[Entry] = []
    unit = None
    for event in events:
        tell = TELLERS.get(event.action)
        if tell is None:
            continue
        if event.action in (Action.ASSIGN, Action.REASSIGN):
            if event.payload.get("unit") == unit:
                continue  # another officer of the same unit: nothing changes for the citizen
            unit = event.payload.get("unit")
        entries.append(tell(event, story))
    return entries


Teller = Callable[[Event, Story], Entry]


def _quoting(title: Any, key: str | None = None) -> Teller:
    """A teller whose entry is a fixed title and, as written, one text of the payload."""

    def tell(event: Event, story: Story) -> Entry:
        return Entry(event.occurred_at, str(title), event.payload.get(key, "") if key else "")

    return tell


def _submitted(event: Event, story: Story) -> Entry:
    channel = event.payload.get("channel")
    if channel not in Channel.values:
        return Entry(event.occurred_at, _("Complaint received"))
    return Entry(event.occurred_at, _("Complaint received (%(channel)s)") % {
        "channel": Channel(channel).label})


def _placed(event: Event, story: Story) -> Entry:
    title = (_("Verified and being handled by %(unit)s") if event.action == Action.ASSIGN
             else _("Now being handled by %(unit)s"))
    return Entry(event.occurred_at,
                 title % {"unit": story.names.get(event.payload.get("unit") or "", "")})


def _extended(event: Event, story: Story) -> Entry:
    p = event.payload
    # The clock the extension changed: of its name, and open at that moment.
    clock = next((c for c in story.clocks if c.name == p.get("clock")
                  and c.started_at <= event.occurred_at
                  and (c.stopped_at is None or c.stopped_at >= event.occurred_at)), None)
    name = ClockName(p["clock"]).label if p.get("clock") in ClockName.values else ""
    amount = duration_words(int(p.get("amount") or 0), clock.unit if clock else "")
    entry = Entry(event.occurred_at, _("The deadline “%(clock)s” was extended by %(amount)s")
                  % {"clock": name, "amount": amount}, p.get("reason", ""))
    if clock is not None:
        entry.notes.append(_("New deadline: %(date)s") % {
            "date": local_date(clock.due_at, story.zone)})
    return entry


def _accepted(event: Event, story: Story) -> Entry:
    return Entry(event.occurred_at, _("You accepted the answer and rated it %(rating)s of 5")
                 % {"rating": event.payload.get("rating")}, event.payload.get("comment", ""))


def _rejected(event: Event, story: Story) -> Entry:
    p = event.payload
    reason = (RejectionReason(p["reason"]).label if p.get("reason") in RejectionReason.values
              else "")
    entry = Entry(event.occurred_at, _("Not processed: %(reason)s") % {"reason": reason},
                  p.get("note", ""))
    if p.get("duplicate_of"):
        entry.notes.append(_("It is handled under complaint %(number)s.") % {
            "number": p["duplicate_of"]})
    return entry


def _referred(event: Event, story: Story) -> Entry:
    p = event.payload
    where = story.names.get(p.get("agency") or "", "") or p.get("agency_name", "")
    entry = Entry(event.occurred_at, _("Referred to %(agency)s") % {"agency": where},
                  p.get("note", ""))
    linked = story.complaint.referred_to
    if linked is not None:
        entry.notes.append(_("It continues there as complaint %(number)s; open it with the "
                             "same access code.") % {"number": linked.tracking_number})
    return entry


def _withdrawn(event: Event, story: Story) -> Entry:
    title = (_("Withdrawn: the requested information was not received in time")
             if event.role == Role.SYSTEM else _("You withdrew the complaint"))
    return Entry(event.occurred_at, title, event.payload.get("reason", ""))


TELLERS: dict[str, Teller] = {
    "submit": _submitted,
    Action.ASSIGN: _placed,
    Action.REASSIGN: _placed,
    Action.REQUEST_INFO: _quoting(gettext_lazy("The officer asked you for more information"),
                                  "message"),
    Action.PROVIDE_INFO: _quoting(gettext_lazy("You sent the requested information"),
                                  "message"),
    Action.EXTEND: _extended,
    Action.RESPOND: _quoting(gettext_lazy("The agency answered your complaint"), "response"),
    Action.DISPUTE: _quoting(gettext_lazy("You disputed the answer"), "reason"),
    Action.ACCEPT: _accepted,
    Action.AUTO_CLOSE: _quoting(gettext_lazy(
        "Closed: no reply was received within the time to accept or dispute the answer")),
    Action.REJECT: _rejected,
    Action.REFER: _referred,
    Action.WITHDRAW: _withdrawn,
}


def _load(number: str) -> Complaint:
    # As a complaint's staff page reads it (findings 36 and 37 of docs/performance.md): the
    # same two statements as with_relations, written once rather than built by the ORM.
    complaint = complaint_for_page(number, None)  # its callers checked the access code
    if complaint is None:
        raise Http404
    return complaint


def _render_track(request: HttpRequest, number: str, bound: dict[str, Any] | None = None,
                  status: int = 200) -> HttpResponse:
    complaint = _load(number)
    now = timezone.now()
    zone = complaint.agency.time_zone
    events = events_in_order(complaint)
    allowed = available_actions(complaint, Actor.citizen(complaint), now=now)
    bound = bound or {}
    action_forms = {action: bound.get(action) or form_class(prefix=action)
                    for action, form_class in ACTION_FORMS.items() if action in allowed}
    context = {
        "complaint": complaint,
        "zone": zone,
        "now": now,
        "open_clocks": sorted((c for c in complaint.clocks.all() if c.stopped_at is None),
                              key=lambda c: c.due_at),
        "timeline": timeline(complaint, events, zone),
        "attachments": events[0].payload.get("attachments", []) if events else [],
        "visibility_label": dict(VISIBILITY_CHOICES).get(complaint.visibility, ""),
        "action_forms": action_forms,
    }
    return render(request, "citizen/track.html", context, status=status)


@never_cache
@require_safe
def track(request: HttpRequest, tracking_number: str) -> HttpResponse:
    number = _authorised_number(request, tracking_number)
    if number is None:
        return _locked_out(request, tracking_number, "track")
    if number != tracking_number:
        return redirect("citizen:track", tracking_number=number)
    return _render_track(request, number)


SUCCESS = {
    Action.PROVIDE_INFO: gettext_lazy("Thank you. Your information was sent to the officer "
                                      "and the deadlines continue."),
    Action.ACCEPT: gettext_lazy("Thank you for your rating. Your complaint is closed as "
                                "resolved."),
    Action.DISPUTE: gettext_lazy("Your objection was sent. The agency will answer again."),
    Action.WITHDRAW: gettext_lazy("Your complaint was withdrawn and is now closed."),
}


def _refusal(exc: WorkflowError, action: str, state: str) -> str:
    """The citizen's words for what the workflow refused (the service's own messages are
    for developers, in English)."""
    label = Action(action).label if action in Action.values else action
    if isinstance(exc, TransitionNotAllowed):
        return _("“%(action)s” is not possible now: your complaint is “%(state)s”. This page "
                 "shows what you can do at the moment.") % {"action": label,
                                                             "state": state_label(state)}
    if isinstance(exc, NotPermitted):
        return _("“%(action)s” is not something you can do on this complaint.") % {
            "action": label}
    if action not in Action.values:
        return _("This action does not exist.")
    return _("Please correct the errors in the form below.")


@require_POST
def act(request: HttpRequest, tracking_number: str, action: str) -> HttpResponse:
    number = _authorised_number(request, tracking_number)
    if number is None:
        raise Http404
    complaint = get_object_or_404(Complaint, tracking_number=number)
    form_class = ACTION_FORMS.get(action)
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        messages.error(request, _("Please correct the errors in the form below."))
        return _render_track(request, number, {action: form}, status=400)
    try:
        complaint_transition(complaint=complaint.pk, action=action,
                             actor=Actor.citizen(complaint),
                             payload=form.payload() if form else {})
    except WorkflowError as exc:
        if isinstance(exc, InvalidInput) and form is not None:
            form.add_service_errors(exc)
        complaint.refresh_from_db(fields=["state"])
        messages.error(request, _refusal(exc, action, complaint.state))
        return _render_track(request, number, {action: form} if form else None,
                             status=exc.status)
    messages.success(request, SUCCESS.get(action, _("Done.")))
    return redirect("citizen:track", tracking_number=number)


# --- the proof of complaint -----------------------------------------------------------------

RECEIPT_CLOCKS = (ClockName.VERIFY, ClockName.STATUTORY_ANSWER, ClockName.RESOLUTION)


@dataclass
class ReceiptDeadline:
    clock: Clock
    allowed: str  # "3 working days"
    due_on_receipt: dt.datetime

    @property
    def moved(self) -> bool:
        return self.due_on_receipt != self.clock.due_at


def _due_on_receipt(complaint: Complaint, clock: Clock) -> dt.datetime:
    """The deadline as it was set on receipt. A pause or an extension has moved `due_at`
    since; counted again from the start, the clock's own duration gives the first one."""
    if not clock.extended_by and not clock.paused_seconds:
        return clock.due_at
    return calendar.deadline(complaint.agency.calendar, clock.started_at, clock.duration,
                             clock.unit)


@never_cache
@require_safe
def proof(request: HttpRequest, tracking_number: str) -> HttpResponse:
    number = _authorised_number(request, tracking_number)
    if number is None:
        return _locked_out(request, tracking_number, "proof")
    complaint = _load(number)
    first = complaint.events.order_by("seq").first()
    last = complaint.events.order_by("-seq").first()
    # The clocks started at receipt: the first cycle of each.
    receipt_clocks = sorted(
        (c for c in complaint.clocks.all() if c.name in RECEIPT_CLOCKS and c.cycle == 1),
        key=lambda c: RECEIPT_CLOCKS.index(c.name))
    rows = [ReceiptDeadline(c, duration_words(c.duration, c.unit), _due_on_receipt(complaint, c))
            for c in receipt_clocks]
    context = {
        "complaint": complaint,
        "zone": complaint.agency.time_zone,
        "now": timezone.now(),
        "first_event": first,
        "last_event": last,
        "attachments": first.payload.get("attachments", []) if first else [],
        "receipt_deadlines": rows,
    }
    return render(request, "citizen/proof.html", context)
