"""Queueing notifications into the outbox, inside the transaction of their event.

Delivery happens after commit, by a worker that claims pending rows (workflow.delivery), so
mail is never sent about a change that rolled back and never lost for one that committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model

from workflow.models import Event, Notification
from workflow.states import CITIZEN_CLOCKS, Action, Role

if TYPE_CHECKING:
    from complaints.models import Agency, Complaint

# Events the citizen is told about: everything they can see on the tracking page.
CITIZEN_EVENTS = {
    "submit", Action.ASSIGN, Action.REQUEST_INFO, Action.EXTEND, Action.RESPOND,
    Action.ACCEPT, Action.AUTO_CLOSE, Action.REJECT, Action.REFER, Action.WITHDRAW,
}
# Events the assigned officer is told about.
ASSIGNEE_EVENTS = {Action.ASSIGN, Action.REASSIGN, Action.PROVIDE_INFO, Action.DISPUTE}
# Every template a notification can name (templates/notifications/<language>/<name>.txt).
TEMPLATES = sorted({f"citizen/{action}" for action in CITIZEN_EVENTS}
                   | {f"citizen/{clock}_reminder" for clock in CITIZEN_CLOCKS}
                   | {f"staff/{action}" for action in ASSIGNEE_EVENTS}
                   | {"staff/warning", "staff/breach"})


def queue(complaint: Complaint, event: Event) -> list[Notification]:
    rows = [_row(event, email, role, template)
            for email, role, template in _recipients(complaint, event)]
    return Notification.objects.bulk_create(rows)


def _recipients(complaint: Complaint, event: Event) -> list[tuple[str, Role, str]]:
    action = event.action
    if action in ("clock_warning", "clock_breached"):
        return _clock_recipients(complaint, event)
    found = []
    if action in CITIZEN_EVENTS and (email := citizen_email(complaint)):
        found.append((email, Role.CITIZEN, f"citizen/{action}"))
    if action in ASSIGNEE_EVENTS and complaint.assignee_id and complaint.assignee.email:
        found.append((complaint.assignee.email, Role.OFFICER, f"staff/{action}"))
    return found


def _clock_recipients(complaint: Complaint, event: Event) -> list[tuple[str, Role, str]]:
    clock = event.payload["clock"]
    if clock in CITIZEN_CLOCKS:
        email = citizen_email(complaint)
        return [(email, Role.CITIZEN, f"citizen/{clock}_reminder")] if email else []
    template = "staff/warning" if event.action == "clock_warning" else "staff/breach"
    if event.action == "clock_breached":
        # Escalation: the supervisors of the handling unit (of the agency before assignment);
        # where the agency has named none, its coordinators.
        where = complaint.unit or complaint.agency
        supervisors = staff_emails(Role.SUPERVISOR, where)
        if supervisors:
            return [(e, Role.SUPERVISOR, template) for e in supervisors]
        return [(e, Role.COORDINATOR, template)
                for e in staff_emails(Role.COORDINATOR, complaint.agency)]
    if complaint.assignee_id and complaint.assignee.email:
        return [(complaint.assignee.email, Role.OFFICER, template)]
    return [(e, Role.COORDINATOR, template)
            for e in staff_emails(Role.COORDINATOR, complaint.agency)]


def citizen_email(complaint: Complaint) -> str:
    """The reporter's address: from the complaint when its reporter is already loaded (a
    submission has just written it), else read."""
    from complaints.models import Complaint, Reporter

    if Complaint.reporter.is_cached(complaint):
        reporter = getattr(complaint, "reporter", None)  # None: loaded, and there is none
    else:
        reporter = Reporter.objects.filter(complaint=complaint).only("email").first()
    return reporter.email if reporter else ""


def staff_emails(role: Role, where: Agency) -> list[str]:
    """E-mail addresses of active users holding `role` in `where` or an agency above it."""
    users = get_user_model().objects.filter(
        is_active=True, memberships__role=role, memberships__agency__path__in=where.lineage_paths
    ).exclude(email="").order_by("email")
    return list(users.values_list("email", flat=True).distinct())


def _row(event: Event, recipient: str, role: Role, template: str) -> Notification:
    return Notification(
        event=event, recipient=recipient, recipient_role=role, template=template,
        language=settings.LANGUAGE_CODE, next_attempt_at=event.occurred_at,
    )
