"""The application under test: gunicorn on loopback, started and stopped by the benchmark,
and plain keep-alive HTTP to it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gunicorn:
    """`workers` sync-free gthread workers with keep-alive, as production would run them;
    the application's code from the checkout at `root`."""

    workers: int = 2
    threads: int = 2
    port: int = field(default_factory=free_port)
    root: Path = ROOT
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                   "--worker-class", "gthread", "--threads", str(self.threads),
                   "--keep-alive", "30", "--timeout", "900", "--graceful-timeout", "5",
                   "--no-control-socket"]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {log}")
            if len(self.worker_pids()) == self.workers:
                try:
                    status, _body = request(self.port, "GET", "/bench/health/", timeout=5)
                    if status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")

    def reload(self, timeout: float = 60) -> None:
        """Fresh workers (SIGHUP: the master starts new ones and retires the old), so that a
        memory measurement starts from a worker that has served nothing big yet."""
        assert self.process is not None
        old = set(self.worker_pids())
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = set(self.worker_pids())
            if len(pids) == self.workers and not pids & old:
                status, _body = request(self.port, "GET", "/bench/health/", timeout=10)
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not replace its workers after SIGHUP")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                # ppid is the 2nd field after the parenthesised command name
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def reset_peaks(self) -> None:
        """Make each worker's VmHWM restart from its current RSS (proc(5), clear_refs)."""
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def memory(self) -> dict[int, dict[str, float]]:
        """VmHWM and VmRSS of each worker, in MB."""
        found = {}
        for pid in self.worker_pids():
            values = {}
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0]) / 1024
            found[pid] = values
        return found

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), SIGKILL to the group we started if
        it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


class Response(NamedTuple):
    status: int
    body: bytes  # empty when the body was only counted (sink)
    seconds: float  # from sending the request to the last byte of the answer
    size: int
    lines: int
    headers: dict[str, str]


class Client:
    """One keep-alive connection."""

    def __init__(self, port: int, timeout: float = 600) -> None:
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None, sink: bool = False) -> Response:
        headers = {"Host": "127.0.0.1", **(headers or {})}
        began = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except TimeoutError:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        except (http.client.HTTPException, OSError):
            # A server-side close of an idle keep-alive connection: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            began = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        size = lines = 0
        data = b""
        if sink:
            # The bytes as sent; the lines of what they unzip to.
            unzip = (zlib.decompressobj(wbits=31)
                     if response.getheader("Content-Encoding") == "gzip" else None)
            while chunk := response.read(1 << 20):
                size += len(chunk)
                lines += (unzip.decompress(chunk) if unzip else chunk).count(b"\n")
        else:
            data = response.read()
            size, lines = len(data), data.count(b"\n")
        return Response(response.status, data, time.perf_counter() - began, size, lines,
                        {k.lower(): v for k, v in response.getheaders()})

    def close(self) -> None:
        self.conn.close()


def request(port: int, method: str, path: str, timeout: float = 30, **kwargs: Any
            ) -> tuple[int, bytes]:
    client = Client(port, timeout)
    try:
        answer = client.send(method, path, **kwargs)
        return answer.status, answer.body
    finally:
        client.close()
