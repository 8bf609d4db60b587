"""PgBouncer handing out a PostgreSQL server's connections per transaction
(`pool_mode = transaction`), started for one run on a free loopback port: by `bench.run
--pgbouncer POOL` for the app servers, and by tests/deploy/test_pgbouncer.py. Debian's
package (`apt-get install pgbouncer`); run as root, it runs as `postgres`, since it refuses
root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

PGBOUNCER = Path("/usr/sbin/pgbouncer")
HOST = "127.0.0.1"


def server_of(database_url: str) -> dict[str, str]:
    """host, port, user and password of a postgres:// URL, completed from libpq's PG*
    variables as libpq would."""
    parts = urlsplit(database_url)
    return {"host": parts.hostname or os.environ.get("PGHOST", "localhost"),
            "port": str(parts.port or os.environ.get("PGPORT", "5432")),
            "user": unquote(parts.username or os.environ.get("PGUSER", "")),
            "password": unquote(parts.password or os.environ.get("PGPASSWORD", ""))}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class PgBouncer:
    """`databases` maps each name clients connect to onto its settings besides the server's
    login (`dbname=…`, a `connect_query`; "*" with none: any database by its own name). At
    most `pool_size` server connections for each. Clients are not asked for a password;
    PgBouncer logs in with the server's."""

    def __init__(self, server: dict[str, str], databases: dict[str, str], log_path: Path,
                 pool_size: int) -> None:
        self.log_path, self.port = log_path, _free_port()
        login = " ".join(f"{k}={v}" for k, v in server.items() if v)
        self.config = "\n".join([
            "[databases]",
            *(f"{name} = {login} {entry}".rstrip() for name, entry in databases.items()),
            "[pgbouncer]",
            f"listen_addr = {HOST}", f"listen_port = {self.port}", "unix_socket_dir =",
            "auth_type = any", "pool_mode = transaction", f"default_pool_size = {pool_size}",
            "max_client_conn = 500", ""])
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None

    def url(self, database: str) -> str:
        return f"postgres://aduan@{HOST}:{self.port}/{database}"

    def start(self, timeout: float = 20) -> None:
        if not PGBOUNCER.exists():
            raise RuntimeError(f"{PGBOUNCER} is missing (apt-get install pgbouncer)")
        # Its configuration in a directory of its own, which the user it switches to can
        # reach. It holds the server's password, so that user alone reads it.
        self.directory = Path(tempfile.mkdtemp(prefix="aduan-pgbouncer-"))
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(self.config)
        ini.chmod(0o600)
        as_user = []
        if os.geteuid() == 0:
            as_user = ["-u", "postgres"]
            for path in (self.directory, ini):
                shutil.chown(path, "postgres")
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen([str(PGBOUNCER), *as_user, str(ini)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not listen within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        if self.log is not None:
            self.log.close()
