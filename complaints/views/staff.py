"""Staff pages under /staff/: log in and out, the queues, a complaint's detail with exactly
the actions open now, the reporter's identity on request, and recording a complaint
received by phone, letter or in person.

Thin views: reads go through `complaints.selectors` and the shared `ComplaintFilterSet`;
the only writes are `workflow.services.complaint_transition`, `complaint_submit` and
`reporter_for` (which audits each view of an identity). Their `WorkflowError`s become pages
with the same status the API answers: 409, 403 or 400.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, reduce, wraps
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from complaints.filters import filters_named
from complaints.forms.staff import (
    ACTION_FORMS,
    QUEUE_FILTERS,
    ActionForm,
    IntakeForm,
    QueueOrderForm,
    dress_queue_filters,
    person,
)
from complaints.models import (
    Attachment,
    Channel,
    Classification,
    ComplexityTier,
    Complaint,
    Service,
    Visibility,
    root_path_of,
)
from complaints.selectors import (
    OrderedKeys,
    complaint_for_page,
    complaints_visible_to,
    events_in_order,
    queue_rows,
    sees_everything,
    service_choices,
)
from complaints.templatetags.aduan import local
from workflow.errors import InvalidInput, NotPermitted, WorkflowError
from workflow.permissions import Actor, may_submit, may_view_identity
from workflow.services import (
    available_actions,
    complaint_submit,
    complaint_transition,
    reporter_for,
)
from workflow.states import (
    EVENT_ACTIONS,
    Action,
    ClockName,
    ClockStatus,
    RejectionReason,
    Role,
    State,
)

PAGE_SIZE = 50
# How many complaints a queue counts and pages through (200 pages); past it the queue says
# "more than" and asks for narrower filters (selectors.OrderedKeys).
QUEUE_LIMIT = 10_000
# Where dates typed into the queue's filters are read when the actor has no agency
# (ombudsman, administrators): WIB, the zone of the national government.
DEFAULT_ZONE = "Asia/Jakarta"
INTAKE_RESULT = "staff_intake_result"

login_view = auth_views.LoginView.as_view(template_name="staff/login.html",
                                          redirect_authenticated_user=True)
logout_view = auth_views.LogoutView.as_view(next_page="staff:login")


# --- who is acting -------------------------------------------------------------------------


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and holding some role: otherwise the "no role" page (403). The view gets
    the actor as its second argument."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = Actor.staff(request.user)
        if not actor.grants:
            return render(request, "staff/no_role.html", status=403)
        return view(request, actor, *args, **kwargs)

    return wrapper


def page(request: HttpRequest, actor: Actor, template: str, context: dict[str, Any],
         status: int = 200) -> HttpResponse:
    context = {"can_intake": may_submit(actor) is not None, **context}
    return render(request, template, context, status=status)


def visible_complaint(actor: Actor, tracking_number: str) -> Complaint:
    """The complaint if it is in the actor's scope; 404 otherwise, so that a complaint
    outside it does not even exist for them."""
    complaint = complaint_for_page(tracking_number, actor)
    if complaint is None:
        raise Http404
    return complaint


def root_paths(actor: Actor, roles: tuple[Role, ...] | None = None) -> set[str] | None:
    """The paths of the top-level agencies the actor works in (for `roles`); None when the
    actor reads everything."""
    if roles is None and sees_everything(actor):
        return None
    return {root_path_of(g.agency_path) for g in actor.grants
            if g.agency_path and (roles is None or g.role in roles)}


def roots_of(actor: Actor, roles: tuple[Role, ...] | None = None) -> Q | None:
    """The same as a condition on an agency path."""
    roots = root_paths(actor, roles)
    if roots is None:
        return None
    return reduce(operator.or_, (Q(agency__path__startswith=r) for r in roots), Q(pk__in=[]))


def actor_zone(actor: Actor) -> str:
    return next((g.time_zone for g in actor.grants if g.time_zone), DEFAULT_ZONE)


# --- the queues ----------------------------------------------------------------------------

OPEN_STATES = [State.RECEIVED, State.ASSIGNED, State.RESPONDED]


@dataclass(frozen=True)
class Tab:
    """One queue: the shared FilterSet with preset values; `role` narrows the scope to the
    actor's grants of that role."""

    key: str
    label: Any
    shown_for: Role | None
    preset: dict[str, list[str]] = field(default_factory=dict)
    role: Role | None = None


TABS = (
    Tab("new", _("New & unassigned"), Role.COORDINATOR, {"state": [State.RECEIVED]},
        role=Role.COORDINATOR),
    Tab("mine", _("Mine"), Role.OFFICER, {"assignee": ["me"], "state": OPEN_STATES}),
    Tab("unit", _("My unit's unassigned"), Role.OFFICER,
        {"state": [State.ASSIGNED], "assignee": ["none"]}, role=Role.OFFICER),
    Tab("risk", _("At risk & breached in my unit"), Role.SUPERVISOR,
        {"state": OPEN_STATES, "sla_status": [ClockStatus.AT_RISK, ClockStatus.BREACHED]},
        role=Role.SUPERVISOR),
    Tab("all", _("All in my scope"), None),
)


def filter_data(preset: dict[str, list[str]], query: QueryDict) -> QueryDict:
    """The tab's preset, with whatever the person chose in the filter form on top."""
    data = QueryDict(mutable=True)
    for key, values in preset.items():
        data.setlist(key, [str(v) for v in values])
    for key in QUEUE_FILTERS:
        chosen = [v for v in query.getlist(key) if v.strip()]
        if chosen:
            data.setlist(key, chosen)
    return data


def tab_scope(actor: Actor, tab: Tab) -> Actor:
    """Whose scope the tab lists: the actor's, or that of the actor's grants of the tab's
    role alone (without a user, the scope does not add the complaints assigned to the
    actor elsewhere), which the actor's own holds."""
    if tab.role is None:
        return actor
    return Actor(kind="staff", grants=tuple(g for g in actor.grants if g.role == tab.role))


@staff_page
def queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    tabs = [t for t in TABS if t.shown_for is None or actor.has_role(t.shown_for)]
    tab = next((t for t in tabs if t.key == request.GET.get("tab")), tabs[0])
    now, zone = timezone.now(), actor_zone(actor)
    services = service_choices(root_paths(actor))
    # The filters on every complaint; OrderedKeys.visible_to keeps those of the tab's scope.
    filterset = filters_named((*QUEUE_FILTERS, *tab.preset))(
        filter_data(tab.preset, request.GET), queryset=Complaint.objects.all(),
        request=request, now=now)
    dress_queue_filters(filterset.form, services, zone)
    order = QueueOrderForm(request.GET)
    # Dates typed into the filters are days in the actor's agency zone.
    with timezone.override(zone):
        valid = filterset.is_valid()
        filtered = filterset.qs if valid else Complaint.objects.none()
    keys = OrderedKeys.visible_to(tab_scope(actor, tab), filtered, order.ordering(),
                                  QUEUE_LIMIT, by_parts=not filterset.names_an_officer())
    listing = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(request, actor, "staff/queue.html", {
        "tabs": tabs, "tab": tab, "filters": filterset.form, "order": order,
        "listing": listing, "more": keys.more, "rows": queue_rows(list(listing), now),
        "query": query.urlencode(), "now": now,
    }, status=200 if valid else 400)


# --- one complaint -------------------------------------------------------------------------

PAYLOAD_LABELS = {
    "service": _("Service"), "standard_version": _("Standard version"),
    "channel": _("Channel"), "visibility": _("Visibility"), "received_at": _("Received"),
    "referred_from": _("Referred from"), "attachments": _("Attachments"),
    "unit": _("Unit"), "assignee": _("Officer"), "complexity": _("Complexity"),
    "classification": _("Classification"), "message": _("Message"),
    "response": _("Response"), "clock": _("Deadline"), "amount": _("Extended by"),
    "reason": _("Reason"), "note": _("Note"), "duplicate_of": _("Duplicate of"),
    "agency": _("Agency"), "agency_name": _("Agency"), "rating": _("Rating"),
    "comment": _("Comment"), "cycle": _("Cycle"), "due_at": _("Due"),
}

# Codes in event payloads shown with their labels.
PAYLOAD_CHOICES: dict[str, Any] = {
    "channel": Channel, "visibility": Visibility, "classification": Classification,
    "clock": ClockName, "reason": RejectionReason,
}

PROBLEMS = {
    409: _("This action is not possible now. Someone may have changed the complaint first: "
           "the page shows it as it is now."),
    403: _("You may not take this action on this complaint."),
    400: _("The action was not taken. Please check the form."),
}


@dataclass(frozen=True)
class Problem:
    status: int
    summary: Any
    detail: str
    action: str


def event_details(payload: dict[str, Any], zone: str, words: EventWords
                  ) -> list[tuple[str, str]]:
    """An event's payload as label/value pairs, times in the agency's zone, in the
    language of `words`."""
    details = []
    for key, value in payload.items():
        if value in (None, "", [], {}):
            continue
        if key in ("received_at", "due_at") and isinstance(value, str):
            moment = parse_datetime(value)
            value = local(moment, zone) if moment else value
        elif key in words.choices and isinstance(value, str) and value in words.choices[key]:
            value = words.choices[key][value]
        elif key == "attachments" and isinstance(value, list):
            value = ", ".join(str(a.get("name", "")) for a in value if isinstance(a, dict))
        details.append((words.payload.get(key, key), str(value)))
    return details


class EventWords(NamedTuple):
    """The timeline's labels in one language: its events' actions, their payloads' names,
    and the labels of the codes they hold."""

    actions: dict[str, str]
    payload: dict[str, str]
    choices: dict[str, dict[str, str]]


@lru_cache(maxsize=8)
def event_words(language: str | None) -> EventWords:
    """EventWords in `language`, each label translated once: a complaint's timeline asked
    for some forty translations a page, one by one."""
    return EventWords(
        actions={action: str(label) for action, label in EVENT_ACTIONS.items()},
        payload={key: str(label) for key, label in PAYLOAD_LABELS.items()},
        choices={key: {value: str(label) for value, label in codes.choices}
                 for key, codes in PAYLOAD_CHOICES.items()})


def render_detail(request: HttpRequest, actor: Actor, complaint: Complaint, *,
                  failed: ActionForm | None = None, problem: Problem | None = None,
                  status: int = 200) -> HttpResponse:
    now = timezone.now()
    zone = complaint.agency.time_zone
    forms = []
    for action in available_actions(complaint, actor, now=now):
        form_class = ACTION_FORMS.get(action)
        if form_class is not None:
            keep = failed is not None and failed.action == action
            forms.append(failed if keep else form_class(complaint))
    words = event_words(translation.get_language())
    events = [(e, words.actions.get(e.action, e.action), event_details(e.payload, zone, words))
              for e in events_in_order(complaint)]
    # The tier as the standard has it (complaint_for_page reads its fields), for its name.
    tier = ComplexityTier(code=complaint.complexity, label=complaint.tier_label,
                          duration=complaint.tier_duration, unit=complaint.tier_unit) \
        if complaint.tier_label is not None else None
    return page(request, actor, "staff/detail.html", {
        "complaint": complaint, "zone": zone, "now": now, "forms": forms, "events": events,
        "problem": problem, "tier": tier,
        "clocks": list(complaint.clocks.all()),
        "attachments": Attachment.objects.filter(complaint=complaint)
        if complaint.has_attachments else [],
        "referred_from": complaint.referred_from_number,
        "may_view_identity": may_view_identity(actor, complaint),
        "assignee": person(complaint.assignee) if complaint.assignee_id else "",
    }, status=status)


@staff_page
def detail(request: HttpRequest, actor: Actor, tracking_number: str) -> HttpResponse:
    return render_detail(request, actor, visible_complaint(actor, tracking_number))


@staff_page
@require_POST
def act(request: HttpRequest, actor: Actor, tracking_number: str, action: str) -> HttpResponse:
    complaint = visible_complaint(actor, tracking_number)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(complaint, data=request.POST)
    try:
        if action in available_actions(complaint, actor):
            if not form.is_valid():
                problem = Problem(400, PROBLEMS[400], "", action)
                return render_detail(request, actor, complaint, failed=form, problem=problem,
                                     status=400)
            payload = form.payload()
        else:
            # Not offered now (a colleague acted first, or never this actor's to take):
            # the service says which, 409 or 403, exactly as it would to the API.
            payload = {key: request.POST.get(key, "") for key in form.fields}
        complaint_transition(complaint=complaint, action=action, actor=actor, payload=payload)
    except WorkflowError as error:
        if isinstance(error, InvalidInput):
            form.show_service_error(error)
        problem = Problem(error.status, PROBLEMS.get(error.status, PROBLEMS[400]),
                          error.message, action)
        # Read again: the page shows the complaint as it is now, not as this request found it.
        current = visible_complaint(actor, tracking_number)
        return render_detail(request, actor, current, failed=form, problem=problem,
                             status=error.status)
    messages.success(request, gettext("Done: %(action)s.") % {"action": Action(action).label})
    return redirect("staff:detail", tracking_number=tracking_number)


@never_cache
@staff_page
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest, actor: Actor, tracking_number: str) -> HttpResponse:
    """The reporter's identity. GET only asks; the POST shows it, and each showing is an
    audit event (written by `reporter_for`), so a prefetching browser or a crawler never
    records a view that nobody made."""
    complaint = visible_complaint(actor, tracking_number)
    context: dict[str, Any] = {"complaint": complaint}
    if not may_view_identity(actor, complaint):
        return page(request, actor, "staff/identity.html", {**context, "refused": True},
                    status=403)
    if request.method == "POST":
        context.update(shown=True, reporter=reporter_for(complaint, actor))
    return page(request, actor, "staff/identity.html", context)


# --- recording a complaint on a citizen's behalf -------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, actor: Actor) -> HttpResponse:
    if may_submit(actor) is None:
        return page(request, actor, "staff/intake.html", {"refused": True}, status=403)
    recorded = request.GET.get("recorded")
    if request.method == "GET" and recorded:
        return intake_result(request, actor, recorded)
    services = (Service.objects.taking_complaints()
                .filter(roots_of(actor, (Role.COORDINATOR, Role.OFFICER)))
                .order_by("agency__path", "name"))
    zone = next((s.agency.time_zone for s in services), DEFAULT_ZONE)
    form = IntakeForm(request.POST or None, services=services, zone=zone)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = complaint_submit(actor=actor, **form.submission())
        except InvalidInput as error:
            form.show_service_error(error)
        except NotPermitted:
            return page(request, actor, "staff/intake.html", {"refused": True}, status=403)
        else:
            # Post/redirect/get, so reloading never records the complaint twice; the access
            # code waits in the session for that one page and is removed when shown.
            number = submitted.complaint.tracking_number
            request.session[INTAKE_RESULT] = {"tracking_number": number,
                                              "access_token": submitted.access_token}
            return redirect(f"{reverse('staff:intake')}?recorded={number}")
    status = 400 if form.is_bound else 200
    return page(request, actor, "staff/intake.html", {"form": form}, status=status)


@never_cache
def intake_result(request: HttpRequest, actor: Actor, tracking_number: str) -> HttpResponse:
    stored = request.session.get(INTAKE_RESULT) or {}
    if stored.get("tracking_number") == tracking_number:
        # Whoever just recorded it gets its number and code, even an officer whose scope
        # holds only complaints already in their unit.
        del request.session[INTAKE_RESULT]
        complaint = Complaint.objects.select_related("agency").get(
            tracking_number=tracking_number)
        token = stored["access_token"]
    else:
        complaint, token = visible_complaint(actor, tracking_number), None
    link = request.build_absolute_uri(
        reverse("citizen:track_link", args=[tracking_number, token])) if token else ""
    visible = complaints_visible_to(actor).filter(pk=complaint.pk).exists()
    return page(request, actor, "staff/intake_done.html", {
        "complaint": complaint, "access_token": token, "link": link, "visible": visible})
