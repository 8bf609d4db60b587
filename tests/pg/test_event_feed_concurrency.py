"""The change feed while transactions commit out of order, on a real PostgreSQL.

A transaction that wrote an event earlier but commits later must not fall behind a reader's
cursor: the feed holds back every event of transactions younger than the oldest one still
running, and serves them, in (txid, id) order, once it has committed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections, transaction
from rest_framework.test import APIClient

from api.models import ApiToken

from tests.conftest import MONDAY_9_WIB, valid_payload
from workflow.models import Event
from workflow.permissions import Actor
from workflow.services import complaint_submit, complaint_transition
from workflow.states import Action, Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/exports/events.jsonl"


@pytest.fixture
def ombudsman(world: Any) -> APIClient:
    client = APIClient()
    _token, secret = ApiToken.issue(world.ombudsman, "feed reader")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def read(client: Any, after: str | None = None) -> tuple[list[dict[str, Any]], str]:
    response = client.get(URL, {"after": after} if after else {})
    assert response.status_code == 200, response.content
    *events, trailer = (json.loads(line) for line in
                        b"".join(response.streaming_content).decode().splitlines())
    return events, trailer["next_cursor"]


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def assign(world: Any, complaint: Any) -> None:
    complaint_transition(complaint=complaint.pk, action=Action.ASSIGN,
                         actor=world.actor(Role.COORDINATOR),
                         payload=valid_payload(Action.ASSIGN, world),
                         now=MONDAY_9_WIB + dt.timedelta(minutes=1))


def test_an_event_that_commits_late_is_held_back_then_served_once(world, submit, ombudsman):
    early, late = submit().complaint, submit().complaint
    client = ombudsman
    _, cursor = read(client)
    last_id = Event.objects.order_by("-id").values_list("id", flat=True).first()
    written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow() -> None:
        with transaction.atomic():
            assign(world, early)
            written.set()
            assert release.wait(timeout=30), "never released"

    slow_thread = in_thread(slow, errors)
    try:
        assert written.wait(timeout=30), errors
        in_thread(lambda: assign(world, late), errors).join(timeout=30)
        assert not errors

        # The later transaction has committed and its event is plainly visible…
        [quick] = Event.objects.filter(action=Action.ASSIGN)
        assert quick.complaint_id == late.pk
        # …but the feed holds it back while an older transaction is still running.
        assert read(client, cursor) == ([], cursor)
        # A reader following ids would take it now and move its cursor past it.
        id_reader_saw = list(Event.objects.filter(id__gt=last_id).values_list("id", flat=True))
        assert id_reader_saw == [quick.pk]
    finally:
        release.set()
        slow_thread.join(timeout=30)
    assert not errors

    slow_event = Event.objects.get(complaint=early, action=Action.ASSIGN)
    # The event that committed late has the smaller id: an id cursor has already passed it.
    assert slow_event.pk < quick.pk
    assert slow_event.txid < quick.txid
    events, after = read(client, cursor)
    assert [(e["tracking_number"], e["action"]) for e in events] == [
        (early.tracking_number, Action.ASSIGN), (late.tracking_number, Action.ASSIGN)]
    assert [e["cursor"] for e in events] == [f"{slow_event.txid}-{slow_event.pk}",
                                             f"{quick.txid}-{quick.pk}"]
    assert read(client, after) == ([], after)


def test_a_reader_following_the_cursor_gets_every_event_exactly_once(world, ombudsman):
    """Writers commit out of order at random while a reader follows the feed."""
    client = ombudsman
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def write(seed: int) -> None:
        pause = random.Random(seed)
        for _ in range(6):
            with transaction.atomic():
                complaint_submit(actor=Actor(kind="citizen"), service=world.service,
                                 title="KTP-el belum jadi", description="Belum dicetak.",
                                 now=MONDAY_9_WIB)
                time.sleep(pause.uniform(0, 0.03))  # commit after others that began later

    writers = [in_thread(lambda seed=seed: write(seed), errors) for seed in range(4)]

    def wait_for_writers() -> None:
        for writer in writers:
            writer.join(timeout=60)
        writers_done.set()

    threading.Thread(target=wait_for_writers).start()
    served: list[dict[str, Any]] = []
    cursor = None
    while True:
        finished = writers_done.is_set()
        events, cursor = read(client, cursor)
        served += events
        if finished and not events:
            break
        time.sleep(0.005)
    assert not errors

    everything = list(Event.objects.order_by("txid", "id").values_list("txid", "id"))
    assert len(everything) == 4 * 6
    assert [e["cursor"] for e in served] == [f"{t}-{i}" for t, i in everything]
