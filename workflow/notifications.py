"""Queueing notifications into the outbox, inside the transaction of their event.

Delivery happens after commit, by a worker that claims pending rows (see the SLA worker), so
mail is never sent about a change that rolled back and never lost for one that committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from workflow.models import Event, Notification
from workflow.states import Action, Role

if TYPE_CHECKING:
    from complaints.models import Complaint

# Events the citizen is told about: everything they can see on the tracking page.
CITIZEN_EVENTS = {
    "submit", Action.ASSIGN, Action.REQUEST_INFO, Action.EXTEND, Action.RESPOND,
    Action.ACCEPT, Action.AUTO_CLOSE, Action.REJECT, Action.REFER, Action.WITHDRAW,
}
# Events the assigned officer is told about.
ASSIGNEE_EVENTS = {Action.ASSIGN, Action.REASSIGN, Action.PROVIDE_INFO, Action.DISPUTE}


def queue(complaint: Complaint, event: Event) -> list[Notification]:
    rows = []
    if event.action in CITIZEN_EVENTS:
        email = complaint.reporter.email if _has_reporter(complaint) else ""
        if email:
            rows.append(_row(event, email, Role.CITIZEN, f"citizen/{event.action}"))
    if event.action in ASSIGNEE_EVENTS and complaint.assignee_id:
        email = complaint.assignee.email
        if email:
            rows.append(_row(event, email, Role.OFFICER, f"staff/{event.action}"))
    return Notification.objects.bulk_create(rows)


def _has_reporter(complaint: Complaint) -> bool:
    from complaints.models import Reporter

    try:
        return complaint.reporter is not None
    except Reporter.DoesNotExist:
        return False


def _row(event: Event, recipient: str, role: Role, template: str) -> Notification:
    return Notification(
        event=event, recipient=recipient, recipient_role=role, template=template,
        language=settings.LANGUAGE_CODE, next_attempt_at=event.occurred_at,
    )
