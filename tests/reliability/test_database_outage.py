"""PostgreSQL going away under running app servers (config.unavailable): sessions ended by
the server (a restart, a failover, an operator) are replaced on the next request without
restarting the app; while the database cannot be reached at all, every request is answered
503 with `Retry-After`, in the API with the code `database_unavailable`, never 500."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from complaints.models import Complaint
from deploy.cooperation import call
from tests.conftest import World
from tests.reliability.processes import Gunicorn, free_port, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NAME = "aduan-test-outage"


def submission(world: World) -> dict[str, str]:
    return {"service": world.service.code, "title": "Lampu jalan mati",
            "description": "Sudah seminggu gelap.", "visibility": "public"}


def test_sessions_ended_by_postgresql_are_replaced_on_the_next_request(world: World,
                                                                         tmp_path: Path):
    server = Gunicorn(production_env(connection.settings_dict, DB_APPLICATION_NAME=NAME),
                      tmp_path / "app.log", workers=2)
    try:
        server.start()
        url = "http://{}:{}".format(*server.address)
        assert [call(url, "GET", "/api/v1/services/").status for _ in range(6)] == [200] * 6
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = %s", [NAME])
            (ended,) = cursor.fetchone()
        assert ended >= 1
        answers = [call(url, "GET", "/api/v1/services/").status for _ in range(6)]
        submitted = call(url, "POST", "/api/v1/complaints/", submission(world))
    finally:
        server.stop()
    assert answers == [200] * 6
    assert submitted.status == 201, submitted.body
    assert Complaint.objects.count() == 1


def test_without_the_database_every_request_is_answered_503(world: World, tmp_path: Path):
    # Nothing listens on the port: each connection is refused.
    env = production_env({**connection.settings_dict, "HOST": "127.0.0.1",
                          "PORT": str(free_port())},
                         STATIC_ROOT=str(tmp_path / "static"))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                   cwd=settings.BASE_DIR, env=env, check=True, capture_output=True,
                   timeout=120)
    server = Gunicorn(env, tmp_path / "app.log", workers=1, ready=503)
    try:
        server.start()  # inside: a server that never answers as expected is stopped too
        url = "http://{}:{}".format(*server.address)
        listed = call(url, "GET", "/api/v1/services/")
        submitted = call(url, "POST", "/api/v1/complaints/", submission(world))
        page = call(url, "GET", "/statistik/", headers={"Accept": "text/html"})
        # A signed-in visitor: the page itself cannot read who they are.
        staff = call(url, "GET", "/staff/", headers={"Accept": "text/html",
                                                     "Cookie": "sessionid=abcdefgh12345678"})
    finally:
        server.stop()
    for answer in (listed, submitted):
        assert answer.status == 503, answer.body
        assert json.loads(answer.body)["error"]["code"] == "database_unavailable"
        assert answer.headers["retry-after"] == "30"
    assert page.status == 503
    assert "Sementara tidak tersedia" in page.body.decode()  # "Unavailable for a moment"
    assert staff.status == 503
    assert staff.headers["content-type"].startswith("text/plain")
    assert Complaint.objects.count() == 0
