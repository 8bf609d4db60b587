"""The app servers' statement timeout (DB_STATEMENT_TIMEOUT, config.env.process_options):
a statement that runs too long is cancelled by PostgreSQL and the request answered 503,
never 500, with nothing it wrote kept; the exports' one long statement is exempt.

A statement is made to run long by a lock another connection holds on the table it reads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from api.models import ApiToken
from complaints.models import Complaint
from config.env import process_options
from tests.conftest import World
from tests.reliability.processes import connect

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def one_second() -> Iterator[None]:
    """The settings of an app server with DB_STATEMENT_TIMEOUT=1, its new connections
    made as config.settings makes them."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    options.update(process_options(saved, "", 1))
    connection.close()
    with override_settings(DB_STATEMENT_TIMEOUT=1):
        yield
    options.clear()
    options.update(saved)
    connection.close()


class Lock:
    """ACCESS EXCLUSIVE on `table`, held by another connection until released."""

    def __init__(self, table: str) -> None:
        self.conn = connect(connection.settings_dict["NAME"], autocommit=False)
        self.conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def api_client(world: World, persona: str) -> APIClient:
    client = APIClient()
    _token, secret = ApiToken.issue(getattr(world, persona), "tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_list_that_runs_too_long_is_answered_503(world: World, submit: Any, one_second):
    submit()
    client = api_client(world, "coordinator")
    lock = Lock("complaints_complaint")
    try:
        response = client.get("/api/v1/complaints/")
    finally:
        lock.release()
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "query_timeout"
    assert response["Retry-After"] == "30"
    assert statement_timeout() == "1s"  # the connection as the app server makes it
    assert client.get("/api/v1/complaints/").status_code == 200


def test_a_staff_page_that_runs_too_long_is_answered_503(world: World, submit: Any,
                                                          one_second):
    submit()
    client = Client()
    client.force_login(world.coordinator)
    lock = Lock("complaints_complaint")
    try:
        response = client.get("/staff/?tab=new")
    finally:
        lock.release()
    assert response.status_code == 503
    assert "Permintaan ini terlalu lama" in response.content.decode()  # "This took too long"
    assert client.get("/staff/?tab=new").status_code == 200


def test_a_submission_cancelled_keeps_nothing(world: World, one_second):
    client = APIClient()
    lock = Lock("workflow_clock")  # written after the complaint, in the same transaction
    try:
        response = client.post("/api/v1/complaints/", {
            "service": world.service.code, "title": "Lampu jalan mati",
            "description": "Sudah seminggu gelap.", "visibility": "public"}, format="json")
    finally:
        lock.release()
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "query_timeout"
    assert not Complaint.objects.exists()


def assert_export_waits_out_a_lock(world: World, submit: Any) -> None:
    """An export whose statement waits 2 s for a lock is whole."""
    numbers = {submit().complaint.tracking_number for _ in range(3)}
    client = api_client(world, "ombudsman")
    lock = Lock("workflow_clock")  # the export reads each complaint's clocks
    threading.Timer(2.0, lock.release).start()
    response = client.get("/api/v1/exports/complaints.csv")
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode()
    assert all(number in body for number in numbers)


def test_an_export_is_not_cut_by_the_timeout(world: World, submit: Any, one_second):
    assert_export_waits_out_a_lock(world, submit)
    # The connection's timeout is the app server's again for the next request.
    assert statement_timeout() == "1s"


def test_an_export_is_not_cut_by_a_timeout_the_database_sets(world: World, submit: Any):
    """Behind a pooler the timeout comes from the server connection (PgBouncer's
    connect_query, a role's setting), not from DB_STATEMENT_TIMEOUT: the export lifts it
    all the same, and only for itself."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '1s'")  # for the session, as connect_query
    try:
        assert_export_waits_out_a_lock(world, submit)
        assert statement_timeout() == "1s"
    finally:
        connection.close()
