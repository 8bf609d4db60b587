"""The outbox: delivered after commit, retried with back-off, dead-lettered, never for a
rolled-back change."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
from collections.abc import Iterator

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings

from tests.conftest import MONDAY_9_WIB
from workflow.delivery import MAX_ATTEMPTS, deliver_pending
from workflow.models import Notification


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


class RefusingRecipientsBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such mailbox")})


BROKEN = "tests.workflow.test_delivery.BrokenBackend"


@pytest.fixture
def silent_mail_server() -> Iterator[None]:
    """Django's SMTP backend pointed at a server that accepts connections and never says a
    word (a firewall that drops, a hung relay): each send waits EMAIL_TIMEOUT, then fails."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server, override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.getsockname()[1], EMAIL_TIMEOUT=0.3,
            EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD=""):
        yield


def test_nothing_is_queued_for_a_submission_that_rolled_back(submit):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit()
        assert Notification.objects.count() == 1
        raise RuntimeError("crash before commit")
    assert Notification.objects.count() == 0


@override_settings(EMAIL_BACKEND=BROKEN)
def test_failed_mail_is_retried_with_back_off_then_dead_lettered(submit, mailoutbox):
    submit()
    now = MONDAY_9_WIB
    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver_pending(now=now) == {"sent": 0, "retry": 1, "dead": 0}
        row = Notification.objects.get()
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.next_attempt_at == now + dt.timedelta(minutes=2 ** attempt)
        assert row.last_error == "ConnectionRefusedError: smtp down"
        # Not retried before its time.
        assert deliver_pending(now=row.next_attempt_at - dt.timedelta(seconds=1))["retry"] == 0
        now = row.next_attempt_at
    assert deliver_pending(now=now) == {"sent": 0, "retry": 0, "dead": 1}
    assert Notification.objects.get().status == "dead"
    assert deliver_pending(now=now + dt.timedelta(days=1)) == {"sent": 0, "retry": 0, "dead": 0}
    assert mailoutbox == []


def test_a_dead_letter_put_back_to_pending_is_delivered(submit, mailoutbox):
    submit()
    Notification.objects.update(status="dead", attempts=MAX_ATTEMPTS)
    Notification.objects.update(status="pending", next_attempt_at=MONDAY_9_WIB)
    assert deliver_pending(now=MONDAY_9_WIB)["sent"] == 1
    assert [m.to for m in mailoutbox] == [["siti@example.id"]]


def test_every_attempt_at_one_notification_carries_the_same_message_id(submit, mailoutbox):
    submit()
    row = Notification.objects.get()
    deliver_pending(now=MONDAY_9_WIB)
    Notification.objects.update(status="pending")
    deliver_pending(now=MONDAY_9_WIB)
    ids = [m.extra_headers["Message-ID"] for m in mailoutbox]
    assert ids == [f"<notification-{row.pk}@localhost>"] * 2


def test_a_mail_server_that_does_not_answer_stops_the_passs_delivery(submit, silent_mail_server):
    """One wait of EMAIL_TIMEOUT a pass, not one per mail: with a hundred mails pending a
    pass would wait 50 minutes at the default 30 s, and the worker's sweeps with it."""
    for _ in range(4):
        submit()
    assert deliver_pending(now=MONDAY_9_WIB) == {"sent": 0, "retry": 1, "dead": 0}
    # The others were not tried: no attempt counted against them, due at the next pass.
    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [0, 0, 0, 1]
    assert Notification.objects.filter(attempts=0, next_attempt_at__lte=MONDAY_9_WIB).count() \
        == 3


@override_settings(EMAIL_BACKEND=BROKEN)
def test_a_refused_connection_stops_the_passs_delivery_too(submit):
    for _ in range(3):
        submit()
    assert deliver_pending(now=MONDAY_9_WIB) == {"sent": 0, "retry": 1, "dead": 0}


@override_settings(EMAIL_BACKEND="tests.workflow.test_delivery.RefusingRecipientsBackend")
def test_a_mail_the_server_refuses_does_not_hold_up_the_others(submit):
    for _ in range(3):
        submit()
    assert deliver_pending(now=MONDAY_9_WIB) == {"sent": 0, "retry": 3, "dead": 0}
    assert set(Notification.objects.values_list("last_error", flat=True)) == {
        "SMTPRecipientsRefused: {'siti@example.id': (550, b'no such mailbox')}"}
