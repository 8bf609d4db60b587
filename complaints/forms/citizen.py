"""Forms of the citizen pages.

They check what the citizen typed (required fields, lengths, an e-mail address, numbers) and
turn it into the arguments of the workflow service. Every rule about complaints stays in the
service: what it refuses comes back as `InvalidInput` and is shown next to the field it names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.attachments import KINDS
from complaints.models import Service, Visibility
from workflow.errors import InvalidInput
from workflow.payloads import MAX_TEXT

# For the file picker's `accept`: a hint to the browser only; the service checks the content.
ACCEPTED_EXTENSIONS = tuple(ext for _type, extensions, _sig in KINDS for ext in extensions)
ACCEPT = ",".join((*ACCEPTED_EXTENSIONS, *(content_type for content_type, _e, _s in KINDS)))
ACCEPTED_TYPES_TEXT = "PDF, JPEG, PNG, GIF, WebP"

GENERIC_FIELD_ERROR = _("Please check this value.")
REQUIRED = _("This field is required.")


class ErrorSummaryMixin:
    """The errors of a form as (anchor id, text) pairs, for the summary at the top of the
    form that links to each field."""

    def error_summary(self) -> list[tuple[str, str]]:
        form: forms.Form = self  # type: ignore[assignment]
        items = [("", str(error)) for error in form.non_field_errors()]
        for bound in form.hidden_fields():
            items.extend(("", str(error)) for error in bound.errors)
        for bound in form.visible_fields():
            for error in bound.errors:
                items.append((field_anchor(bound), f"{bound.label} — {error}"))
        return items


def field_anchor(bound: forms.BoundField) -> str:
    """The id of the element a summary link should move to: the first option of a radio
    group, otherwise the control itself."""
    if isinstance(bound.field.widget, forms.RadioSelect):
        return f"{bound.auto_id}_0"
    return bound.id_for_label or bound.auto_id


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files, as a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        single = super().clean
        return [single(f, initial) for f in files if f]


def attachment_limits() -> dict[str, Any]:
    return {
        "count": settings.ATTACHMENT_MAX_COUNT,
        "megabytes": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "types": ACCEPTED_TYPES_TEXT,
    }


VISIBILITY_CHOICES = [
    (Visibility.PUBLIC, _("Named")),
    (Visibility.ANONYMOUS, _("Anonymous")),
    (Visibility.CONFIDENTIAL, _("Confidential")),
]

VISIBILITY_HINTS = {
    Visibility.PUBLIC: _("The officers handling your complaint can see your name and contact "
                         "details. Your identity is never shown to the public."),
    Visibility.ANONYMOUS: _("Your identity is hidden from the agency and the unit handling your "
                            "complaint, and from the public. We still send updates to your "
                            "e-mail address if you give one."),
    Visibility.CONFIDENTIAL: _("The whole complaint is hidden from public lists; only the "
                               "officers handling it can read it, and they can see your "
                               "identity."),
}


class SubmitForm(ErrorSummaryMixin, forms.Form):
    service = forms.ChoiceField(
        label=_("Service"),
        help_text=_("The public service your complaint is about, listed by agency."),
    )
    title = forms.CharField(
        label=_("Subject"), max_length=200,
        help_text=_("One short sentence, for example: “My e-KTP is still not printed after "
                    "three months”."),
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("When and where it happened, whom you dealt with, and what you expected. "
                    "Do not write passwords or PINs."),
    )
    location_text = forms.CharField(
        label=_("Location (optional)"), max_length=300, required=False,
        help_text=_("An address or a description of the place, if it matters."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude (optional)"), required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("For example -6.175392."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude (optional)"), required=False, min_value=-180, max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("For example 106.827153."),
    )
    attachments = MultipleFileField(label=_("Attachments (optional)"), required=False)
    visibility = forms.ChoiceField(
        label=_("Who may see your identity?"), choices=VISIBILITY_CHOICES,
        widget=forms.RadioSelect, initial=Visibility.PUBLIC,
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_email = forms.EmailField(
        label=_("E-mail address (optional)"), required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send the tracking number and every update to this address."),
    )
    reporter_phone = forms.CharField(
        label=_("Phone number (optional)"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent_to_share = forms.BooleanField(
        label=_("The ombudsman may see my identity"), required=False,
        help_text=_("If the ombudsman examines how your complaint was handled, they may see "
                    "your name and contact details. Without this consent they see the "
                    "complaint only."),
    )

    # The service's error keys that name a field of this form under another name.
    SERVICE_FIELDS = {"reporter.name": "reporter_name", "reporter.email": "reporter_email",
                      "reporter.phone": "reporter_phone"}

    def __init__(self, *args: Any, services: Sequence[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = {s.code: s for s in services}
        groups: dict[str, list[tuple[str, str]]] = {}
        for service in services:
            groups.setdefault(service.agency.name, []).append((service.code, service.name))
        self.fields["service"].choices = [("", _("Choose a service")), *groups.items()]
        limits = attachment_limits()
        self.fields["attachments"].help_text = ngettext(
            "At most %(count)d file, each up to %(megabytes)d MB; accepted: %(types)s.",
            "At most %(count)d files, each up to %(megabytes)d MB; accepted: %(types)s.",
            limits["count"],
        ) % limits

    def clean_service(self) -> Service:
        return self.services[self.cleaned_data["service"]]

    def selected_service(self) -> Service | None:
        """The service chosen (bound form) or preselected (initial), if it is offered."""
        code = self["service"].value()
        return self.services.get(code) if isinstance(code, str) else None

    def visibility_options(self) -> Iterator[tuple[Any, str]]:
        for option in self["visibility"]:
            yield option, VISIBILITY_HINTS[option.data["value"]]

    def submission(self) -> dict[str, Any]:
        """The keyword arguments of `complaint_submit` (after `is_valid()`)."""
        data = self.cleaned_data
        return {
            "service": data["service"],
            "title": data["title"],
            "description": data["description"],
            "location_text": data["location_text"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "visibility": data["visibility"],
            "attachments": data["attachments"],
            "reporter": {
                "name": data["reporter_name"],
                "email": data["reporter_email"],
                "phone": data["reporter_phone"],
                "consent_to_share": data["consent_to_share"],
            },
        }

    def add_service_errors(self, exc: InvalidInput) -> None:
        """Show what the workflow service refused next to the field it names."""
        for key, code in (exc.errors or {"": ""}).items():
            field = self.SERVICE_FIELDS.get(key, key)
            message = _submit_error_message(key, str(code))
            self.add_error(field if field in self.fields else None, message)


def _submit_error_message(key: str, code: str) -> str:
    limits = attachment_limits()
    messages: dict[tuple[str, str], Any] = {
        ("attachments", "too many"): ngettext(
            "You can attach at most %(count)d file.", "You can attach at most %(count)d files.",
            limits["count"]) % limits,
        ("attachments", "too large"): _("Each file may be at most %(megabytes)d MB.") % limits,
        ("attachments", "empty"): _("One of the files is empty."),
        ("attachments", "unsupported type"):
            _("Only these kinds of files are accepted: %(types)s.") % limits,
        ("attachments", "name does not match content"):
            _("A file's name does not match its content (for example a PNG picture whose "
              "name ends in .jpg). Rename it or choose another file."),
        ("service", "inactive"): _("This service no longer takes complaints."),
        ("service", "no standard in force"):
            _("This service has no published service standard in force yet."),
        ("reporter.email", "invalid"): _("Enter a valid email address."),
    }
    if code == "required":
        return str(REQUIRED)
    if key in ("", "channel", "received_at"):
        return str(_("Your complaint could not be received. Please check your entries."))
    return str(messages.get((key, code), GENERIC_FIELD_ERROR))


class TrackLookupForm(ErrorSummaryMixin, forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=20,
        help_text=_("Ten letters and digits, for example ABCDE-23456."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )
    access_code = forms.CharField(
        label=_("Access code"), max_length=100,
        help_text=_("The secret code shown once when you submitted the complaint."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off",
                                      "spellcheck": "false"}),
    )
    # Where to go once the complaint is found: its track page, or its proof page.
    then = forms.ChoiceField(choices=[("track", "track"), ("proof", "proof")], required=False,
                             widget=forms.HiddenInput)

    WRONG = _("The tracking number or the access code is wrong. Check both and try again.")

    def refuse(self) -> None:
        """One answer for every failure, so that a number cannot be probed on its own."""
        if not self.is_bound:
            # An unbound form (the private link) has no cleaned data for add_error to edit.
            self.cleaned_data = {}
            self._errors = ErrorDict()
        self.add_error(None, self.WRONG)


# --- the citizen's actions on the track page ---------------------------------------------

class ActionForm(ErrorSummaryMixin, forms.Form):
    def payload(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_service_errors(self, exc: InvalidInput) -> None:
        for key, code in (exc.errors or {"": ""}).items():
            message = REQUIRED if code == "required" else GENERIC_FIELD_ERROR
            self.add_error(key if key in self.fields else None, message)


class ProvideInfoForm(ActionForm):
    message = forms.CharField(
        label=_("Your answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Answer the officer's question. The deadlines continue when you send it."),
    )


RATING_CHOICES = [
    (1, _("1 — very dissatisfied")),
    (2, _("2 — dissatisfied")),
    (3, _("3 — neither satisfied nor dissatisfied")),
    (4, _("4 — satisfied")),
    (5, _("5 — very satisfied")),
]


class AcceptForm(ActionForm):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the handling of your complaint?"),
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=MAX_TEXT, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisputeForm(ActionForm):
    reason = forms.CharField(
        label=_("Why does the answer not settle your complaint?"), max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The agency answers again, within a new deadline."),
    )


class WithdrawForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=MAX_TEXT, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that a withdrawn complaint is closed and cannot be reopened."),
    )

    def payload(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


# The forms of the actions a citizen can take, in the order the track page shows them.
ACTION_FORMS: dict[str, type[ActionForm]] = {
    "provide_info": ProvideInfoForm,
    "accept": AcceptForm,
    "dispute": DisputeForm,
    "withdraw": WithdrawForm,
}
