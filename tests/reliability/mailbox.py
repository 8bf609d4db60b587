"""Mail as the reliability tests see it: a backend that leaves one file per message handed
over, and counting those files against the outbox.

`MailDirBackend` is chosen with `EMAIL_BACKEND=tests.reliability.mailbox.MailDirBackend` and
`RELIABILITY_MAIL_DIR=<dir>` in the worker's environment (the production settings read
EMAIL_BACKEND but not EMAIL_FILE_PATH). Each message is written to a temporary name and
renamed, so a file exists exactly for each message completely handed over — what an SMTP
server's final "250 OK" would be — even when the worker is killed mid-write.
"""

from __future__ import annotations

import email
import os
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from email import policy
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db.models import Count

from workflow.models import Notification

SUBJECT_NUMBER = re.compile(r"\[Aduan ([0-9A-Z]{5}-[0-9A-Z]{5})\]")


class MailDirBackend(BaseEmailBackend):
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        directory = Path(os.environ["RELIABILITY_MAIL_DIR"])
        for message in messages:
            name = uuid.uuid4().hex
            partial = directory / f".{name}.partial"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(directory / f"{name}.eml")
        return len(messages)


def handed_over(directory: Path) -> int:
    return sum(1 for _ in directory.glob("*.eml"))


def delivered(directory: Path) -> Counter[tuple[str, str]]:
    """Messages handed over, by (recipient, tracking number from the subject)."""
    found: Counter[tuple[str, str]] = Counter()
    for path in directory.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        match = SUBJECT_NUMBER.search(str(message["Subject"]))
        found[(str(message["To"]), match.group(1) if match else "?")] += 1
    return found


def marked_sent() -> Counter[tuple[str, str]]:
    """Outbox rows recorded as sent, by (recipient, tracking number)."""
    rows = (Notification.objects.filter(status=Notification.Status.SENT)
            .values_list("recipient", "event__complaint__tracking_number")
            .annotate(n=Count("id")))
    return Counter({(recipient, number): n for recipient, number, n in rows})


class SimulatedCrash(BaseException):
    """A process dying: not an Exception, so no `except Exception` handles it and the open
    transaction is rolled back, as PostgreSQL does when a worker's connection drops."""


class CrashingBackend(LocmemBackend):
    """Hands messages over (into `mail.outbox`), then the process "dies" right after the
    `crash_after`-th message: sent, but its `sent` mark not committed."""

    crash_after = 0
    handed_over = 0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        count = super().send_messages(messages)
        CrashingBackend.handed_over += count
        if CrashingBackend.handed_over == CrashingBackend.crash_after:
            raise SimulatedCrash(f"killed after handing over message {self.handed_over}")
        return count
