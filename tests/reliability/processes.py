"""The production processes, started for real: gunicorn serving `config.wsgi` with the
production settings, and `manage.py sla_worker`, both on the test database.

Every process is started by a fixture and ended by its finalizer, by its own pid (and the pids
of the workers it forked). Only loopback addresses are used.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection

HOST = "127.0.0.1"
BIN = Path(sys.executable).parent
MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Our own settings the processes must not inherit from the pytest process.
DROPPED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TEST_DB", "EMAIL_BACKEND")


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database Django is connected to. Parts left empty (pg_virtualenv
    gives only the name) are completed by libpq from the PG* variables."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    auth = f"{user}:{password}@" if user and password else (f"{user}@" if user else "")
    where = f"{host}:{port}" if host and port else host
    return f"postgres://{auth}{where}/{quote(settings_dict['NAME'], safe='')}"


def production_env(settings_dict: dict[str, Any], **extra: str) -> dict[str, str]:
    """The environment of a production process on the test database: DEBUG off, a real
    secret key, loopback hosts, no HTTPS redirect (plain HTTP on loopback: there is no TLS
    terminator in front; every other production setting stays), and throttles out of the
    way of the load."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_SSL_REDIRECT="0",
        THROTTLE_SUBMIT="100000/hour",
        THROTTLE_CITIZEN="100000/hour",
        DATABASE_URL=database_url(settings_dict),
        PGDATABASE=settings_dict["NAME"],
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def libpq_env(name: str) -> dict[str, str]:
    """The PG* environment of the client tools, pointed at database `name`."""
    return production_env({**connection.settings_dict, "NAME": name})


def run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def connect(name: str, **options: Any) -> psycopg.Connection[Any]:
    given = connection.settings_dict
    params = {k.lower(): str(given[k]) for k in ("HOST", "PORT", "USER", "PASSWORD")
              if given.get(k)}
    return psycopg.connect(dbname=name, **{"autocommit": True, **params, **options})


def scratch_database(label: str) -> Iterator[str]:
    """The name of a database beside the test database, for a fixture to yield; dropped
    afterwards, with whatever created it."""
    name = f"{connection.settings_dict['NAME']}_{label}_{secrets.token_hex(4)}"
    yield name
    run("dropdb", "--if-exists", "--force", name, env=libpq_env("postgres"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    """The live children of `pid`, from /proc (no psutil)."""
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(p) for p in (task / "children").read_text().split())
    except (FileNotFoundError, ProcessLookupError):
        return []
    return sorted(p for p in found if _alive(p))


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: [state, ppid, …]."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError):
        return []


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


def _started(pid: int) -> str:
    """The process's start time (in clock ticks since boot): with the pid, its identity,
    so a pid reused by someone else's process is never signalled."""
    fields = _stat(pid)
    return fields[19] if len(fields) > 19 else ""


def _end(process: subprocess.Popen[bytes], children: list[int], grace: float) -> None:
    """SIGTERM, a bounded wait, then SIGKILL: the process, and those of its children that
    outlived it (the same processes, not merely the same pids)."""
    identities = {pid: _started(pid) for pid in children}
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for pid, started in identities.items():
        if started and _alive(pid) and _started(pid) == started:
            os.kill(pid, signal.SIGKILL)


class Gunicorn:
    """`gunicorn config.wsgi:application` with sync workers on a free loopback port, ready
    when its services list answers `ready` (200; 503 without a database)."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 3,
                 ready: int = 200) -> None:
        self.env, self.log_path, self.workers, self.ready = env, log_path, workers, ready
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None
        self.killed: list[int] = []

    @property
    def address(self) -> tuple[str, int]:
        return HOST, self.port

    def start(self, timeout: float = 40) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--workers", str(self.workers),
             "--bind", f"{HOST}:{self.port}", "--keep-alive", "5", "--timeout", "30",
             "--graceful-timeout", "5", "--no-control-socket"],
            cwd=settings.BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            if self._answers() and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log_path}")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/services/")
            return conn.getresponse().status == self.ready
        except OSError:
            return False
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return child_pids(self.process.pid)

    def wait_for_workers(self, timeout: float = 30) -> int:
        """Wait (bounded) until the master has its full set of workers again."""
        deadline = time.monotonic() + timeout
        while len(pids := self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)
        return len(pids)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker, as the OOM killer or a crash would; the master forks another."""
        assert self.process is not None
        fields = _stat(pid)
        if fields and fields[1] == str(self.process.pid):  # still our master's child
            os.kill(pid, signal.SIGKILL)
            self.killed.append(pid)

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process, self.worker_pids(), grace=15)
        if self.log is not None:
            self.log.close()


class SlaWorker:
    """`manage.py sla_worker --interval 0.2`: the sweeper and the mail outbox."""

    def __init__(self, env: dict[str, str], log_path: Path, interval: float = 0.2) -> None:
        self.env, self.log_path, self.interval = env, log_path, interval
        self.process: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None
        self.kills = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.log = self.log or self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, str(MANAGE), "sla_worker", "--interval", str(self.interval)],
            cwd=settings.BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no signal handler runs, no transaction commits."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is not None:
            _end(self.process, [], grace=10)
        if self.log is not None:
            self.log.close()
            self.log = None

