"""Two sweepers at once on a real PostgreSQL share the work and never do an item twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connections

from tests.conftest import MONDAY_9_WIB
from workflow.audit import verify_complaint
from workflow.delivery import deliver_pending
from workflow.models import Clock, Event, Notification
from workflow.states import State
from workflow.sweeper import sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FRIDAY_9_WIB = MONDAY_9_WIB + dt.timedelta(days=4)


def _in_parallel(work, count: int = 2) -> list:
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_sweepers_breach_every_clock_exactly_once(complaint_in):
    complaints = [complaint_in(State.RECEIVED) for _ in range(60)]

    results = _in_parallel(lambda: sweep(now=FRIDAY_9_WIB, batch=10))

    assert all(isinstance(r, Counter) for r in results), results
    assert sum(r["breached"] for r in results) == 60
    assert Event.objects.filter(action="clock_breached").count() == 60
    assert Clock.objects.filter(name="verify", breached_at__isnull=True).count() == 0
    assert all(verify_complaint(c).ok for c in complaints)
    assert sweep(now=FRIDAY_9_WIB) == Counter()


def test_two_workers_deliver_each_notification_once(complaint_in, mailoutbox):
    for _ in range(40):
        complaint_in(State.RECEIVED)
    pending = Notification.objects.filter(status="pending").count()

    results = _in_parallel(lambda: deliver_pending(now=FRIDAY_9_WIB, batch=5))

    assert sum(r["sent"] for r in results) == pending
    assert len(mailoutbox) == pending
    assert Notification.objects.filter(status="sent").count() == pending
