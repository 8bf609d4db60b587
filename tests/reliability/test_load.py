"""Fifty clients at once against gunicorn with the production settings, then the database
reconciled with every answer they were given."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command

from complaints.models import Complaint
from tests.reliability import reconcile
from tests.reliability.conftest import CLIENTS, SECONDS, Stack
from tests.reliability.load import start_load, summary
from tests.reliability.mailbox import delivered, marked_sent
from workflow.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_every_answer_under_load_matches_the_database(stack: Stack):
    outcomes = start_load(stack.target, clients=CLIENTS, seconds=SECONDS).result()
    print("load:", summary(outcomes))

    # The worker delivers the outbox while the load runs; let it finish, then stop it.
    assert stack.settle() == 0
    stack.worker.stop()

    assert reconcile.answers(outcomes, faults=False) == []
    statuses = Counter(o.status for o in outcomes)
    created = {o.tracking_number for o in outcomes if o.status == 201}
    # The load really was load: every client worked, every path was taken.
    assert len({o.client for o in outcomes}) == CLIENTS
    assert len(created) >= CLIENTS, statuses
    assert {o.action for o in outcomes if o.status == 200} >= {
        "assign", "request_info", "provide_info", "respond", "dispute", "accept", "withdraw"}
    assert any(o.replayed for o in outcomes)
    assert any(o.raced and o.status == 409 for o in outcomes)
    # Refusals only where two identical requests raced: a small part of the whole.
    assert statuses[409] <= 0.1 * len(outcomes), statuses

    assert reconcile.acknowledged(outcomes) == []
    assert Complaint.objects.count() == len(created)
    assert reconcile.transition_events(outcomes) == []
    assert reconcile.whole_records() == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith(f"OK: {len(created)} complaints")

    # Each mail delivered exactly once.
    assert Notification.objects.exclude(status="sent").count() == 0
    assert delivered(stack.mail_dir) == marked_sent()
    assert sum(marked_sent().values()) == Notification.objects.count()
