"""POST Service Request: the Open311 parameters turned into a `complaint_submit` call.

Required by the specification: service_code, and a location — lat and long together, or
address_string, or address_id. Open311 has no title, so one is cut from the description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from api.open311 import params
from api.open311.errors import bad_request, not_found
from complaints.models import Channel, Service, Visibility
from workflow.permissions import Actor
from workflow.services import Submitted, complaint_submit

TITLE_LENGTH = 80
MAX_DESCRIPTION = 4000  # "free form text limited to 4,000 characters"


@dataclass(frozen=True)
class Submission:
    service_code: str
    description: str | None
    location_text: str
    latitude: str | None
    longitude: str | None
    reporter: dict[str, str]
    visibility: str


def read(body: Mapping[str, Any]) -> Submission:
    """Validate the form; raises Open311Error (400) on what the specification requires."""
    service_code = params.text(body, "service_code", max_length=60)
    if service_code is None:
        raise bad_request("service_code was not provided.")
    lat, long = params.text(body, "lat", max_length=40), params.text(body, "long", max_length=40)
    if (lat is None) != (long is None):
        raise bad_request("lat and long must be sent together.")
    address = params.text(body, "address_string", max_length=300)
    address_id = params.text(body, "address_id", max_length=100)
    if lat is None and address is None and address_id is None:
        raise bad_request("A location is required: lat and long, or address_string, "
                          "or address_id.")
    if address is None and address_id is not None:
        # Aduan keeps no address repository: an address_id is kept as the location's text.
        address = f"address_id {address_id}"
    return Submission(
        service_code=service_code,
        description=params.text(body, "description", max_length=MAX_DESCRIPTION),
        location_text=address or "",
        latitude=lat, longitude=long,
        reporter=_reporter(body),
        visibility=params.text(body, "visibility", max_length=20) or Visibility.PUBLIC,
    )


def _reporter(body: Mapping[str, Any]) -> dict[str, str]:
    first = params.text(body, "first_name", max_length=100) or ""
    last = params.text(body, "last_name", max_length=100) or ""
    email = params.text(body, "email", max_length=254) or ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise bad_request("email is not a valid e-mail address.") from None
    return {"name": f"{first} {last}".strip(), "email": email,
            "phone": params.text(body, "phone", max_length=40) or ""}


def submit(submission: Submission) -> Submitted:
    """Create the complaint through the one write path; InvalidInput passes through (400)."""
    if not params.is_service_code(submission.service_code):
        raise not_found(f"service_code {submission.service_code!r} was not found.")
    service = Service.objects.select_related("agency").filter(
        code=submission.service_code).first()
    if service is None:
        raise not_found(f"service_code {submission.service_code!r} was not found.")
    # Open311 allows a request without a description; the service's name then says what
    # the complaint is about.
    description = submission.description or service.name
    return complaint_submit(
        actor=Actor(kind="citizen"), service=service, title=title_from(description),
        description=description, channel=Channel.OPEN311, reporter=submission.reporter,
        location_text=submission.location_text, latitude=submission.latitude,
        longitude=submission.longitude, visibility=submission.visibility,
    )


def title_from(description: str, limit: int = TITLE_LENGTH) -> str:
    """The description's beginning, cut on a word boundary: "Jalan berlubang di …"."""
    flat = " ".join(description.split())
    if len(flat) <= limit:
        return flat
    head = flat[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"
