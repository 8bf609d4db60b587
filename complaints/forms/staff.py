"""Forms of the staff pages.

They only shape input. Each action form's field names are the payload keys that
`workflow/payloads.py` reads, and its choices are what the service will accept (units of the
agency, its officers, the pinned standard's tiers); the service still checks everything and
its `InvalidInput` is shown next to the field it names. The queue's filters are the shared
`ComplaintFilterSet`; `dress_queue_filters` only changes how its form looks on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    STAFF_INTAKE_CHANNELS,
    Agency,
    Channel,
    Classification,
    Complaint,
    Membership,
    Reporter,
    Service,
    Visibility,
)
from complaints.selectors import URGENCY, ServiceChoice
from complaints.templatetags.aduan import STATUS_LABELS, local, zone_label
from workflow.errors import InvalidInput
from workflow.payloads import MAX_TEXT
from workflow.states import Action, ClockStatus, RejectionReason, Role, State


def person(user: Any) -> str:
    """How staff see a colleague: "Full Name (username)", or the username alone."""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


# --- workflow actions -----------------------------------------------------------------------


class ActionForm(forms.Form):
    """One workflow action on one complaint; `payload()` is its input for the service."""

    action: str = ""

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        # Several action forms share a page and field names (reason, note, unit): the names
        # stay the payload keys, the ids carry the action.
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    @property
    def label(self) -> str:
        return str(Action(self.action).label)

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}

    def show_service_error(self, error: InvalidInput) -> None:
        """Put the service's refusal next to the field it names (or above the form)."""
        named = [key for key in error.errors if key in self.fields]
        if not named:
            self.add_error(None, error.message)
        for key in named:
            self.add_error(key, error.message)


def unit_choices(agency: Agency) -> list[tuple[str, str]]:
    """The agency and its active units, indented by depth, as the service accepts them."""
    units = Agency.objects.filter(path__startswith=agency.path, is_active=True).order_by("path")
    top = agency.path.count("/")
    return [(str(u.pk), "\u2014 " * (u.path.count("/") - top) + u.name) for u in units]


def officer_choices(agency: Agency) -> list[Any]:
    """The active officers of the agency or any of its units, grouped by where they work."""
    memberships = (
        Membership.objects.filter(role=Role.OFFICER, agency__path__startswith=agency.path,
                                  user__is_active=True)
        .select_related("user", "agency").order_by("agency__path", "user__username")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for membership in memberships:
        groups.setdefault(membership.agency.name, []).append(
            (str(membership.user.pk), person(membership.user)))
    return [("", gettext("Nobody yet: any officer of the unit")), *groups.items()]


class PlacementForm(ActionForm):
    unit = forms.ChoiceField(label=_("Unit"))
    assignee = forms.ChoiceField(
        label=_("Officer"), required=False,
        help_text=_("The officer must work in the chosen unit or above it."),
    )

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        super().__init__(complaint, *args, **kwargs)
        self.fields["unit"].choices = [("", gettext("Choose a unit")),
                                       *unit_choices(complaint.agency)]
        self.fields["assignee"].choices = officer_choices(complaint.agency)


class AssignForm(PlacementForm):
    action = Action.ASSIGN
    complexity = forms.ChoiceField(
        label=_("Complexity"), help_text=_("Sets the deadline of the first response."),
    )
    classification = forms.ChoiceField(
        label=_("Classification"), required=False,
        choices=[("", _("Not classified")), *Classification.choices],
    )

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        super().__init__(complaint, *args, **kwargs)
        tiers = list(complaint.standard.tiers.all())
        if tiers:
            self.fields["complexity"].choices = [(t.code, str(t)) for t in tiers]
            default = next((t for t in tiers if t.is_default), tiers[0])
            self.fields["complexity"].initial = default.code
        else:
            del self.fields["complexity"]  # the standard's own first_response applies
        self.fields["classification"].initial = complaint.classification


class ReassignForm(PlacementForm):
    action = Action.REASSIGN

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        super().__init__(complaint, *args, **kwargs)
        self.fields["unit"].initial = str(complaint.unit_id or "")
        self.fields["assignee"].initial = str(complaint.assignee_id or "")


def long_text(label: Any, help_text: Any = "", *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=required,
                           max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))


class RequestInfoForm(ActionForm):
    action = Action.REQUEST_INFO
    message = long_text(_("What is missing"), _(
        "Sent to the citizen. Deadlines that may pause stop until they answer."))


class RespondForm(ActionForm):
    action = Action.RESPOND
    response = long_text(_("Response"), _(
        "Public: the citizen reads this answer and may accept or dispute it."))


class ExtendForm(ActionForm):
    action = Action.EXTEND
    clock = forms.ChoiceField(label=_("Deadline"))
    amount = forms.IntegerField(
        label=_("Extend by"), min_value=1, max_value=365,
        help_text=_("In the deadline's own unit (working days, calendar days, hours)."),
    )
    reason = long_text(_("Reason"), _("Recorded in the audit trail. Once per deadline."))

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        super().__init__(complaint, *args, **kwargs)
        zone = complaint.agency.time_zone
        choices = []
        for clock in complaint.clocks.all():
            if clock.stopped_at is None:
                due = gettext("due %(date)s") % {"date": local(clock.due_at, zone)}
                choices.append((clock.name, f"{clock.get_name_display()}, {due}"
                                            f"{self._room(clock)}"))
        self.fields["clock"].choices = choices

    @staticmethod
    def _room(clock: Any) -> str:
        # A hint only: the service enforces once-per-clock and the statutory ceiling.
        if clock.extended_by:
            return " " + gettext("(already extended)")
        if clock.ceiling is None or clock.ceiling <= clock.duration:
            return " " + gettext("(cannot be extended)")
        return " " + gettext("(at most %(room)s more %(unit)s)") % {
            "room": clock.ceiling - clock.duration, "unit": clock.get_unit_display()}


class RejectForm(ActionForm):
    action = Action.REJECT
    reason = forms.ChoiceField(label=_("Reason"),
                               choices=[("", _("Choose a reason")), *RejectionReason.choices])
    duplicate_of = forms.CharField(
        label=_("Duplicate of"), required=False, max_length=32,
        help_text=_("For a duplicate only: the tracking number of the other complaint."),
    )
    note = long_text(_("Note"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == RejectionReason.DUPLICATE and not data.get("duplicate_of"):
            self.add_error("duplicate_of", _("Give the tracking number of the other complaint."))
        if data.get("reason") != RejectionReason.DUPLICATE:
            data["duplicate_of"] = ""
        return data


class ReferForm(ActionForm):
    action = Action.REFER
    service = forms.ChoiceField(
        label=_("Service of another agency in Aduan"), required=False,
        help_text=_("The complaint continues there, linked to this one."),
    )
    agency_name = forms.CharField(
        label=_("Or another agency, by name"), required=False, max_length=200,
        help_text=_("For an agency outside Aduan."),
    )
    note = long_text(_("Note"), required=False)

    def __init__(self, complaint: Complaint, *args: Any, **kwargs: Any) -> None:
        super().__init__(complaint, *args, **kwargs)
        services = (Service.objects.taking_complaints()
                    .exclude(agency__path__startswith=complaint.agency.root_path)
                    .order_by("agency__path", "name"))
        groups: dict[str, list[tuple[str, str]]] = {}
        for service in services:
            groups.setdefault(service.agency.name, []).append((str(service.pk), service.name))
        self.fields["service"].choices = [("", gettext("None: type the agency's name")),
                                          *groups.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("service")) == bool(data.get("agency_name")):
            raise forms.ValidationError(
                _("Choose a service of another agency, or type an agency's name: one of "
                  "the two."))
        return data


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form for form in (
        AssignForm, ReassignForm, RequestInfoForm, ExtendForm, RespondForm, RejectForm,
        ReferForm,
    )
}


# --- the queue's filters --------------------------------------------------------------------

QUEUE_FILTERS = ("state", "service", "sla_status", "received_after", "received_before", "q")

QUEUE_ORDER = {
    "urgency": URGENCY,
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
}


class SingleSelectList(forms.Select):
    """One choice on the page, read as the list a multiple-choice filter expects."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v]


def _with_choices(widget: forms.Widget, choices: Iterable[Any]) -> forms.Widget:
    widget.choices = list(choices)  # type: ignore[attr-defined]
    return widget


def dress_queue_filters(form: forms.Form, services: Sequence[ServiceChoice], zone: str
                        ) -> None:
    """Labels and widgets for the page. The fields, and so the filtering and its validation,
    stay those of the shared FilterSet, with the same parameter names as the API."""
    fields = form.fields
    fields["state"].label = _("State")
    fields["state"].widget = _with_choices(forms.CheckboxSelectMultiple(), State.choices)
    # The services the actor works with; the filter still reads service codes, as in the API.
    fields["service"].label = _("Service")
    fields["service"].queryset = Service.objects.filter(pk__in=[s.pk for s in services])
    several = len({s.agency_id for s in services}) > 1
    fields["service"].widget = _with_choices(SingleSelectList(), [
        ("", gettext("Any service")),
        *((s.code, f"{s.agency_name}: {s.name}" if several else s.name) for s in services),
    ])
    fields["sla_status"].label = _("Deadline status")
    fields["sla_status"].help_text = _("Complaints with a deadline in this status now.")
    fields["sla_status"].widget = _with_choices(SingleSelectList(), [
        ("", gettext("Any")), *((s.value, STATUS_LABELS[s]) for s in ClockStatus)])
    for name, label in (("received_after", _("Received on or after")),
                        ("received_before", _("Received before"))):
        fields[name].label = label
        fields[name].help_text = _("A date, in %(zone)s.") % {"zone": zone_label(zone)}
        fields[name].widget = forms.DateInput(attrs={"type": "date"})
    fields["q"].label = _("Words or tracking number")
    fields["q"].help_text = _("Words in the title or description, or a tracking number.")
    fields["q"].widget = forms.TextInput(attrs={"type": "search"})


class QueueOrderForm(forms.Form):
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("urgency", _("Most urgent first")),
        ("newest", _("Newest first")),
        ("oldest", _("Oldest first")),
    ])

    def ordering(self) -> tuple[str, ...]:
        chosen = self.cleaned_data.get("order") if self.is_valid() else None
        return QUEUE_ORDER.get(chosen or "urgency", QUEUE_ORDER["urgency"])


# --- recording a complaint received by phone, letter or in person --------------------------


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as read off the agency's wall clock, kept naive here: the form puts it
    in the zone of the chosen service's agency."""

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        return timezone.make_naive(result) if result is not None else None


def _reporter_field(name: str, label: Any, **kwargs: Any) -> forms.CharField:
    length = Reporter._meta.get_field(name).max_length
    return forms.CharField(label=label, required=False, max_length=length, **kwargs)


class IntakeForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), label=_("Service"),
                                     empty_label=_("Choose a service"))
    channel = forms.ChoiceField(label=_("Received by"), initial=Channel.PHONE,
                                choices=[(c.value, c.label) for c in STAFF_INTAKE_CHANNELS])
    received_at = WallClockDateTimeField(
        label=_("Received at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = long_text(_("What happened"))
    location_text = forms.CharField(label=_("Location"), required=False, max_length=300)
    visibility = forms.ChoiceField(
        label=_("Visibility"), widget=forms.RadioSelect, initial=Visibility.PUBLIC,
        choices=Visibility.choices,
    )
    reporter_name = _reporter_field("name", _("Name"))
    reporter_email = forms.EmailField(label=_("E-mail"), required=False,
                                      max_length=Reporter._meta.get_field("email").max_length)
    reporter_phone = _reporter_field("phone", _("Phone"),
                                     widget=forms.TextInput(attrs={"type": "tel"}))
    reporter_id_number = _reporter_field("id_number", _("NIK"),
                                         help_text=_("The national identity number, if given."))
    reporter_address = _reporter_field("address", _("Address"))
    reporter_consent = forms.BooleanField(
        label=_("The reporter agrees that the ombudsman may see their identity"),
        required=False,
    )

    # Where the service's refusals (InvalidInput.errors keys) are shown.
    SERVICE_FIELDS = {
        "service": "service", "channel": "channel", "received_at": "received_at",
        "title": "title", "description": "description", "location_text": "location_text",
        "visibility": "visibility", "reporter.name": "reporter_name",
        "reporter.email": "reporter_email", "reporter.phone": "reporter_phone",
        "reporter.id_number": "reporter_id_number", "reporter.address": "reporter_address",
    }

    def __init__(self, *args: Any, services: QuerySet[Service], zone: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        if len({s.agency_id for s in services}) > 1:
            self.fields["service"].label_from_instance = lambda s: f"{s.agency.name}: {s.name}"
        self.fields["received_at"].initial = timezone.localtime(
            timezone.now(), ZoneInfo(zone)).replace(second=0, microsecond=0, tzinfo=None)
        self.fields["received_at"].help_text = _(
            "When the citizen phoned, wrote or came in; local time of the agency (%(zone)s). "
            "Not in the future.") % {"zone": zone_label(zone)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        service, received = data.get("service"), data.get("received_at")
        if service is not None and received is not None:
            data["received_at"] = timezone.make_aware(received, service.agency.zone)
        return data

    def submission(self) -> dict[str, Any]:
        """The arguments of `complaint_submit`, apart from the actor."""
        data = self.cleaned_data
        return {
            "service": data["service"], "channel": data["channel"],
            "received_at": data["received_at"], "title": data["title"],
            "description": data["description"], "location_text": data["location_text"],
            "visibility": data["visibility"],
            "reporter": {
                "name": data["reporter_name"], "email": data["reporter_email"],
                "phone": data["reporter_phone"], "id_number": data["reporter_id_number"],
                "address": data["reporter_address"],
                "consent_to_share": data["reporter_consent"],
            },
        }

    def show_service_error(self, error: InvalidInput) -> None:
        named = [key for key in error.errors if key in self.SERVICE_FIELDS]
        if not named:
            self.add_error(None, error.message)
        for key in named:
            field = self.SERVICE_FIELDS[key]
            if field == "received_at" and error.errors[key] == "in the future":
                self.add_error(field, _("The time of receipt cannot be in the future."))
            else:
                self.add_error(field, error.message)

