"""Two submissions drawing the same tracking number at the same moment, on a real
PostgreSQL: the unique index decides, and the second is received under another number."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections, transaction

from complaints.models import Complaint
from tests.pg.test_concurrent_transitions import _wait_for_lock_waiters

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SAME, OTHER = "ABCDE-FGHJ2", "KMNPQ-RSTU3"


def test_the_second_of_two_submissions_drawing_one_number_draws_again(submit, monkeypatch):
    draws = {threading.current_thread().name: iter([SAME]), "second": iter([SAME, OTHER])}
    monkeypatch.setattr("workflow.services.new_tracking_number",
                        lambda: next(draws[threading.current_thread().name]))
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            outcome["submitted"] = submit(title="Second")
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=second, name="second")
    with transaction.atomic():
        first = submit(title="First").complaint  # SAME, not yet committed
        thread.start()
        # The second's INSERT waits on the unique index for this transaction: both found
        # SAME free, as a look before inserting would have.
        _wait_for_lock_waiters(1)
    thread.join(timeout=30)
    assert "error" not in outcome, outcome
    assert (first.tracking_number, outcome["submitted"].complaint.tracking_number) \
        == (SAME, OTHER)
    assert sorted(Complaint.objects.values_list("title", flat=True)) == ["First", "Second"]
