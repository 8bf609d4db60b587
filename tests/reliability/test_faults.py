"""Processes killed with SIGKILL under load: gunicorn workers (the master forks new ones) and
the sla_worker (restarted by hand, as systemd would). Afterwards nothing is half-written,
nothing acknowledged is lost, every committed notification is delivered — at most one extra
copy per killed worker, the at-least-once window of SMTP — and the sweeper has caught up on
everything that fell due while it was down, each exactly once."""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from complaints.models import Complaint
from tests.conftest import MONDAY_9_WIB, World
from tests.reliability import reconcile
from tests.reliability.conftest import CLIENTS, SECONDS, Stack
from tests.reliability.load import start_load, summary
from tests.reliability.mailbox import (
    CrashingBackend,
    SimulatedCrash,
    delivered,
    handed_over,
    marked_sent,
)
from tests.reliability.processes import Gunicorn
from workflow.delivery import deliver_pending
from workflow.models import SWEEP_DUE, Clock, Event, Notification
from workflow.permissions import Actor
from workflow.services import complaint_submit, complaint_transition
from workflow.states import Action, ClockName
from workflow.sweeper import EXPIRY_ACTIONS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = dt.timedelta(days=1)


@override_settings(EMAIL_BACKEND="tests.reliability.mailbox.CrashingBackend")
def test_a_worker_dying_mid_batch_resends_only_the_mail_in_flight(submit, mailoutbox):
    for _ in range(10):
        submit()
    CrashingBackend.handed_over, CrashingBackend.crash_after = 0, 4

    with pytest.raises(SimulatedCrash):
        deliver_pending(now=MONDAY_9_WIB)

    # Three mails committed as sent; the fourth was handed over but its mark rolled back.
    assert len(mailoutbox) == 4
    assert Notification.objects.filter(status="sent").count() == 3
    assert deliver_pending(now=MONDAY_9_WIB) == {"sent": 7, "retry": 0, "dead": 0}
    assert len(mailoutbox) == 11  # the one in flight went twice, no other


@dataclass
class Overdue:
    """Complaints recorded while the sla_worker was down, whose deadlines are long past, and
    what the sweeper owes each: (complaint id, clock, cycle)."""

    numbers: set[str] = field(default_factory=set)
    owed: list[tuple[int, str, int]] = field(default_factory=list)


def record_overdue(world: World, now: dt.datetime) -> Overdue:
    """Letters received weeks ago and recorded only now (verify and statutory_answer
    breached); a response the citizen never answered (reply_window over: auto_close); a
    request for information never answered (info_wait over: withdraw)."""
    coordinator, officer = Actor.staff(world.coordinator), Actor.staff(world.officer)
    made = []
    for i in range(12):
        made.append(complaint_submit(
            actor=coordinator, service=world.service, title=f"Surat {i}",
            description="Diterima lewat surat.", channel="letter",
            reporter={"name": f"Pengirim {i}", "email": f"surat{i}@example.id"},
            received_at=now - 30 * DAY, now=now).complaint)
    for i, last in enumerate([Action.RESPOND] * 4 + [Action.REQUEST_INFO] * 4):
        past = now - 40 * DAY
        complaint = complaint_submit(
            actor=coordinator, service=world.service, title=f"Lama {i}", channel="phone",
            description="Diterima lewat telepon.", received_at=past, now=past,
            reporter={"name": f"Penelepon {i}", "email": f"telepon{i}@example.id"}).complaint
        complaint_transition(complaint=complaint, action=Action.ASSIGN, actor=coordinator,
                             payload={"unit": world.unit.code, "assignee": "officer"},
                             now=past + DAY)
        complaint_transition(complaint=complaint, action=last, actor=officer,
                             payload={"response": "Sudah selesai.", "message": "Nomor KK?"},
                             now=past + 2 * DAY)
        made.append(complaint)
    due = Clock.objects.filter(SWEEP_DUE, due_at__lt=now, complaint__in=made)
    return Overdue({c.tracking_number for c in made},
                   list(due.values_list("complaint_id", "name", "cycle")))


def owed_but_not_done_once(overdue: Overdue) -> list[str]:
    problems = []
    for complaint_id, name, cycle in overdue.owed:
        if name in EXPIRY_ACTIONS:
            action = EXPIRY_ACTIONS[ClockName(name)]
            done = Event.objects.filter(complaint_id=complaint_id, action=action, role="system")
        else:
            done = Event.objects.filter(complaint_id=complaint_id, action="clock_breached",
                                        payload__clock=name, payload__cycle=cycle)
        if done.count() != 1:
            problems.append(f"complaint {complaint_id}: {name} #{cycle} done {done.count()}x")
    return problems


def kill_app_workers(app: Gunicorn, stop: threading.Event, until: float) -> None:
    """Every 1.5 s, SIGKILL one of gunicorn's workers, chosen at random."""
    rng = random.Random(20260202)
    while not stop.wait(1.5) and time.monotonic() < until:
        if pids := app.worker_pids():
            app.kill_worker(rng.choice(pids))


def test_killed_processes_lose_nothing_and_leave_nothing_half_written(
        stack: Stack, world: World):
    load = start_load(stack.target, clients=CLIENTS, seconds=SECONDS)
    stop = threading.Event()
    killer = threading.Thread(target=kill_app_workers,
                              args=(stack.app, stop, time.monotonic() + SECONDS))
    killer.start()
    try:
        time.sleep(0.2 * SECONDS)
        # The sla_worker dies; while it is down, complaints whose deadlines passed long ago
        # are recorded, and the load keeps queueing mail. Then it comes back.
        stack.worker.kill()
        overdue = record_overdue(world, timezone.now())
        time.sleep(0.1 * SECONDS)
        stack.worker.start()
        time.sleep(0.2 * SECONDS)
        # Killed again, restarted into a backlog of mail, and killed while working through it.
        stack.worker.kill()
        time.sleep(0.1 * SECONDS)
        before = handed_over(stack.mail_dir)
        stack.worker.start()
        deadline = time.monotonic() + 15
        while handed_over(stack.mail_dir) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        stack.worker.kill()
        stack.worker.start()
        outcomes = load.result()
    finally:
        stop.set()
        killer.join(timeout=10)
    print("load with faults:", summary(outcomes),
          f"app workers killed {len(stack.app.killed)}, sla_worker killed {stack.worker.kills}")

    # The master replaced every killed worker; the restarted sla_worker catches up.
    assert len(stack.app.killed) >= 5
    assert stack.app.wait_for_workers() == 3
    assert stack.settle() == 0
    stack.worker.stop()

    # Every answer accounted for, nothing half-written.
    assert reconcile.answers(outcomes, faults=True) == []
    assert reconcile.acknowledged(outcomes, others=overdue.numbers) == []
    assert reconcile.transition_events(outcomes) == []
    assert reconcile.whole_records() == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith(f"OK: {Complaint.objects.count()} complaints")

    # Everything that fell due while the sweeper was down was done, exactly once.
    assert Counter(name for _id, name, _cycle in overdue.owed) == {
        "verify": 12, "statutory_answer": 12, "reply_window": 4, "info_wait": 4}
    assert owed_but_not_done_once(overdue) == []
    assert reconcile.sweeps_once() == []

    # Every committed notification delivered; a duplicate only for a mail in flight when its
    # worker was killed (handed over, `sent` not yet committed): at most one per kill.
    assert not Notification.objects.filter(~Q(status="sent")).exists()
    mails, sent = delivered(stack.mail_dir), marked_sent()
    assert sent - mails == Counter()  # nothing lost
    duplicates = mails - sent
    print("duplicate mails:", dict(duplicates))
    assert sum(duplicates.values()) <= stack.worker.kills
