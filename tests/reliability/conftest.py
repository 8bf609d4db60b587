"""The production stack on the test database: gunicorn (3 sync workers) and one sla_worker
writing mail into a directory, both started here and ended by the finalizer."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from api.models import ApiToken
from tests.conftest import World
from tests.reliability.load import Target
from tests.reliability.processes import Gunicorn, SlaWorker, production_env
from workflow.models import SWEEP_DUE, SWEEP_WARN, Clock, Notification

# Seconds of load in each of the load and fault tests (kept short for CI; raise it for a soak).
SECONDS = float(os.environ.get("RELIABILITY_SECONDS", "20"))
CLIENTS = 50


@dataclass
class Stack:
    app: Gunicorn
    worker: SlaWorker
    target: Target
    mail_dir: Path
    logs: Path

    def settle(self, timeout: float = 60) -> int:
        """Wait (bounded) until the worker has swept everything due and delivered every
        mail; returns how many items are still outstanding."""
        deadline = time.monotonic() + timeout
        while (left := self.outstanding()) and time.monotonic() < deadline:
            time.sleep(0.3)
        return left

    @staticmethod
    def outstanding() -> int:
        now = timezone.now()
        return (Notification.objects.filter(status="pending").count()
                + Clock.objects.filter(SWEEP_DUE, due_at__lt=now).count()
                + Clock.objects.filter(SWEEP_WARN, warn_at__lte=now).count())


@pytest.fixture
def stack(world: World, tmp_path: Path) -> Iterator[Stack]:
    # The test database, as this process is connected to it (pytest-django's test_<name>).
    settings_dict = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = production_env(settings_dict)
    worker_env = {**env, "EMAIL_BACKEND": "tests.reliability.mailbox.MailDirBackend",
                  "RELIABILITY_MAIL_DIR": str(mail_dir), "LOG_LEVEL": "INFO"}
    app = Gunicorn(env, tmp_path / "gunicorn.log")
    worker = SlaWorker(worker_env, tmp_path / "sla_worker.log")
    officers = {name: ApiToken.issue(getattr(world, name), "load test")[1]
                for name in ("officer", "second_officer")}
    try:
        app.start()
        worker.start()
        target = Target(*app.address, service=world.service.code, unit=world.unit.code,
                        coordinator_token=ApiToken.issue(world.coordinator, "load test")[1],
                        officer_tokens=officers)
        yield Stack(app, worker, target, mail_dir, tmp_path)
    finally:
        worker.stop()
        app.stop()
