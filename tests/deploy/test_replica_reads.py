"""With a replica configured, the statistics and the exports read complaint data through it,
and nothing else does: sign-in (with the user's roles), sessions and tokens, and every
workflow lock and write, stay on the primary.

The replica here is a second connection to the test database (on PostgreSQL a read-only
one, as a hot standby is), so each request's queries can be told apart by connection.
Committed rows are needed for a second connection to see them: these tests are
transactional."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from api.models import ApiToken
from config.routers import REPLICA, reading_from_replica, replica_reads
from tests.conftest import valid_payload
from tests.deploy.conftest import replica_alias
from workflow.services import complaint_transition
from workflow.states import Action, State

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])

# A query that reads complaint data names one of these apps' tables (quoted by the ORM,
# bare in the exports' own SQL).
DOMAIN_TABLE = re.compile(r'\b(complaints|workflow)_[a-z_]+\b')
# What may reach the replica: a SELECT, a server-side cursor over one (PostgreSQL's
# .iterator()), a COPY of one to the client (the exports), a read-only transaction, and the
# exports' lifting of the statement timeout for theirs (a standby allows it).
READ = re.compile(r'\s*((DECLARE "\w+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR |COPY \()?'
                  r'SELECT |(BEGIN|COMMIT|ROLLBACK)$|SET LOCAL statement_timeout = 0$)')
# Who signs in is read with their roles, on the primary (complaints.selectors
# .user_with_grants): a role taken away counts at once, as a revoked token does.
SIGN_IN = re.compile(r'FROM "auth_user" u .*LEFT JOIN "complaints_membership" m', re.S)
EXPORTS = ["/api/v1/exports/complaints.csv", "/api/v1/exports/complaints.jsonl",
           "/api/v1/exports/events.jsonl"]


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup: Any) -> Iterator[Any]:
    with replica_alias(read_only=True) as connection:
        yield connection


@pytest.fixture
def complaints(complaint_in: Callable[..., Any]) -> list[Any]:
    cache.clear()  # the statistics are cached for a minute; compute them in the test
    return [complaint_in(State.ASSIGNED), complaint_in(State.RECEIVED)]


def reads(replica: Any, request: Callable[[], Any]) -> tuple[Any, list[str], list[str]]:
    """The response (its streamed body read), and the SQL sent to the primary and to the
    replica meanwhile."""
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(replica) as secondary:
        response = request()
        if response.streaming:  # the body is produced while it is read
            response.body = b"".join(response.streaming_content)
    return (response, [q["sql"] for q in primary.captured_queries],
            [q["sql"] for q in secondary.captured_queries])


def assert_domain_reads_on_the_replica(primary: list[str], secondary: list[str]) -> None:
    assert any(DOMAIN_TABLE.search(sql) for sql in secondary), secondary
    assert [sql for sql in primary if DOMAIN_TABLE.search(sql) and not SIGN_IN.search(sql)] \
        == []
    assert [sql for sql in secondary if not READ.match(sql) or "FOR UPDATE" in sql] == []


def test_the_statistics_api_reads_the_replica(client, replica, complaints):
    response, primary, secondary = reads(replica, lambda: client.get("/api/v1/stats/"))

    assert response.status_code == 200
    assert response.json()["totals"]["complaints"] == 2
    assert_domain_reads_on_the_replica(primary, secondary)


@pytest.mark.postgres
def test_a_public_question_takes_its_slot_on_the_replica(client, replica, complaints):
    """The computations' limit holds on the database that computes (config.cache.Slots),
    and a read-only session, as on a hot standby, takes the advisory lock."""
    response, primary, secondary = reads(replica, lambda: client.get("/api/v1/stats/"))

    assert response.status_code == 200
    assert [sql for sql in secondary if "pg_try_advisory_xact_lock" in sql]
    assert [sql for sql in primary if "advisory" in sql] == []


def test_the_statistics_page_reads_the_replica(client, replica, complaints):
    response, primary, secondary = reads(replica, lambda: client.get("/statistik/"))

    assert response.status_code == 200
    assert_domain_reads_on_the_replica(primary, secondary)


def test_the_dashboard_reads_the_replica_and_the_session_the_primary(client, replica,
                                                                    complaints, world):
    client.force_login(world.coordinator)

    response, primary, secondary = reads(replica, lambda: client.get("/staff/dasbor/"))

    assert response.status_code == 200
    assert any('"django_session"' in sql for sql in primary)
    assert len([sql for sql in primary if SIGN_IN.search(sql)]) == 1
    assert not any('"django_session"' in sql or '"auth_user"' in sql for sql in secondary)
    assert_domain_reads_on_the_replica(primary, secondary)


def _export(client: Any, world: Any, path: str) -> Callable[[], Any]:
    secret = ApiToken.issue(world.ombudsman, "exports")[1]
    return lambda: client.get(path, headers={"Authorization": f"Token {secret}"})


@pytest.mark.parametrize("path", EXPORTS)
def test_a_decorated_export_streams_from_the_replica(client, replica, complaints, world,
                                                     path, monkeypatch):
    """The exports stream their rows after the view has returned: with the views decorated
    (the class found through the URL, whatever its name), the streamed rows are read from
    the replica too, and the token is still checked on the primary."""
    view_class = resolve(path).func.view_class
    monkeypatch.setattr(view_class, "dispatch", replica_reads(view_class.dispatch))

    response, primary, secondary = reads(replica, _export(client, world, path))

    assert response.status_code == 200
    assert complaints[0].tracking_number.encode() in response.body
    assert any('"api_apitoken"' in sql and SIGN_IN.search(sql) for sql in primary)
    assert_domain_reads_on_the_replica(primary, secondary)


@pytest.mark.parametrize("path", EXPORTS)
def test_the_exports_read_the_replica(client, replica, complaints, world, path):
    response, primary, secondary = reads(replica, _export(client, world, path))

    assert response.status_code == 200
    assert_domain_reads_on_the_replica(primary, secondary)


def test_the_workflow_in_the_scope_locks_and_writes_on_the_primary(replica, complaints, world):
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(replica) as secondary, reading_from_replica():
        complaint_transition(complaint=complaints[1], action=Action.ASSIGN,
                             actor=world.actor("coordinator"),
                             payload=valid_payload(Action.ASSIGN, world))

    written = [q["sql"] for q in primary.captured_queries]
    assert any(sql.startswith('INSERT INTO "workflow_event"') for sql in written)
    if connections[DEFAULT_DB_ALIAS].features.has_select_for_update:
        assert any("FOR UPDATE" in sql for sql in written)
    assert [q["sql"] for q in secondary.captured_queries
            if not READ.match(q["sql"]) or "FOR UPDATE" in q["sql"]] == []
