"""Delivering the notification outbox, after commit, with retries and a dead-letter state.

Rows are claimed with SKIP LOCKED, so several workers share the outbox without sending a row
twice, and each row's outcome commits right after its send: delivery is at-least-once, and a
worker killed between handing a mail over and committing it sends that one mail again. A send
that fails is retried with exponential back-off; after MAX_ATTEMPTS the row is
a dead letter, visible (and retryable) in the admin.

When the mail server cannot be reached at all (refused, silent past EMAIL_TIMEOUT, hanging
up, refusing the login), the pass stops delivering after that first failure: the other mails
wait for the next pass, with no attempt counted against them. An outage then costs a pass
one EMAIL_TIMEOUT, not one per pending mail, and the worker's sweeps go on at their pace. A
mail the server refuses (its address, its content) is that mail's failure alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from complaints.models import Complaint
from workflow.models import Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LANGUAGES = ("id", "en")
BATCH = 100
# Refusals of one mail; any other error of the network or of SMTP (smtplib's errors are
# OSErrors) means the server cannot take mail now.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def render(notification: Notification) -> tuple[str, str]:
    """Subject and body, in the notification's language. The first line of the template is
    the subject."""
    event = notification.event
    complaint = Complaint.objects.select_related("agency", "service").get(pk=event.complaint_id)
    due_at = event.payload.get("due_at")
    context = {
        "event": event, "payload": event.payload, "complaint": complaint,
        "zone": complaint.agency.time_zone,
        "due_at": dt.datetime.fromisoformat(due_at) if due_at else None,
        "open_clocks": list(complaint.clocks.filter(stopped_at__isnull=True)),
        "site_url": settings.SITE_URL,
    }
    language = notification.language if notification.language in LANGUAGES else "id"
    with translation.override(language):
        text = render_to_string(f"notifications/{language}/{notification.template}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def message_id(row: Notification) -> str:
    """The same for every attempt at one notification, so that the one resend a crash can
    cause (after the hand-over, before the commit) is recognisable as a duplicate."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "aduan"
    return f"<notification-{row.pk}@{domain}>"


def deliver_pending(*, now: dt.datetime, batch: int = BATCH) -> dict[str, int]:
    counts = {"sent": 0, "retry": 0, "dead": 0}
    due = Notification.objects.filter(status=Notification.Status.PENDING,
                                      next_attempt_at__lte=now)
    oldest_first = due.order_by("next_attempt_at", "id").values_list("pk", flat=True)
    while ids := list(oldest_first[:batch]):
        delivered = 0
        for pk in ids:
            # One transaction per mail: its `sent` commits as soon as the mail is handed over,
            # so a worker killed mid-batch sends again only the one mail in flight, not every
            # mail of the batch (whose marks a batch-wide transaction would roll back).
            with transaction.atomic():
                row = (due.select_for_update(skip_locked=True).select_related("event")
                       .filter(pk=pk).first())
                if row is None:  # another worker holds it, or has sent it
                    continue
                outcome, error = _deliver(row, now)
                counts[outcome] += 1
                delivered += 1
            if isinstance(error, OSError) and not isinstance(error, REFUSED):
                log.warning("notifications: the mail server cannot take mail (%s); the "
                            "others wait for the next pass", error)
                return counts
        if len(ids) < batch or not delivered:
            break
    return counts


def _deliver(row: Notification, now: dt.datetime) -> tuple[str, Exception | None]:
    """The row's outcome (sent, retry or dead), and the error it failed with, if any."""
    row.attempts += 1
    try:
        subject, body = render(row)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [row.recipient],
                     headers={"Message-ID": message_id(row)}).send()
    except Exception as error:  # noqa: BLE001 - any failure of one mail is that row's retry
        log.warning("notification %s failed (attempt %s): %s", row.pk, row.attempts, error)
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = Notification.Status.DEAD
        else:
            row.next_attempt_at = now + dt.timedelta(minutes=2 ** row.attempts)
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return "dead" if row.status == Notification.Status.DEAD else "retry", error
    row.status = Notification.Status.SENT
    row.sent_at = now
    row.save(update_fields=["attempts", "status", "sent_at"])
    return "sent", None
