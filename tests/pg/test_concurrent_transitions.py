"""Two people acting on one complaint at the same moment, on a real PostgreSQL.

The main thread holds the complaint's row lock while both workers start, so both are queued
on the lock and truly race for it when it is released.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.audit import verify_complaint
from workflow.errors import NotPermitted, TransitionNotAllowed
from workflow.services import complaint_transition
from workflow.states import Action, Role, State

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(world: Any, complaint: Complaint, moves: list[tuple[str, str]]) -> list[Any]:
    results: list[Any] = [None] * len(moves)
    started = threading.Barrier(len(moves) + 1)

    def act(i: int, action: str, persona: str) -> None:
        try:
            started.wait()
            results[i] = complaint_transition(
                complaint=complaint.pk, action=action, actor=world.actor(persona),
                payload=valid_payload(action, world), now=MONDAY_9_WIB.replace(hour=5),
            )
        except Exception as exc:  # noqa: BLE001 - the loser's error is what we assert on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i, a, p)) for i, (a, p) in enumerate(moves)]
    with transaction.atomic():
        Complaint.objects.select_for_update().get(pk=complaint.pk)
        for thread in threads:
            thread.start()
        started.wait()
        _wait_for_lock_waiters(len(moves))
    for thread in threads:
        thread.join(timeout=30)
    return results


def _wait_for_lock_waiters(count: int) -> None:
    """Block until `count` other sessions are waiting on a lock, so the race is real."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics views are snapshotted per transaction; look afresh each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    raise AssertionError("the workers never queued on the row lock")


@pytest.mark.parametrize("attempt", range(3))
def test_respond_and_reassign_race_has_exactly_one_winner(world, complaint_in, attempt):
    complaint = complaint_in(State.ASSIGNED)
    events_before = complaint.events.count()

    results = _race(world, complaint, [(Action.RESPOND, Role.OFFICER),
                                       (Action.REASSIGN, Role.COORDINATOR)])

    winners = [r for r in results if isinstance(r, Complaint)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    # Whoever lost sees the winner's change: respond finds the case reassigned to someone
    # else (403), reassign finds it already responded (409).
    assert isinstance(losers[0], TransitionNotAllowed | NotPermitted)
    complaint.refresh_from_db()
    assert complaint.events.count() == events_before + 1
    assert complaint.state == winners[0].state
    assert verify_complaint(complaint).ok


def test_two_coordinators_assigning_at_once_assign_once(world, complaint_in):
    complaint = complaint_in(State.RECEIVED)

    results = _race(world, complaint, [(Action.ASSIGN, Role.COORDINATOR)] * 2)

    assert sorted(type(r).__name__ for r in results) == ["Complaint", "TransitionNotAllowed"], results
    assert complaint.events.filter(action=Action.ASSIGN).count() == 1
    assert complaint.clocks.filter(name="first_response").count() == 1
    assert verify_complaint(complaint).ok
