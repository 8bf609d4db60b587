"""Two versions of the application side by side on one database: `python -m bench.compare
--complaints N --before DIR`, DIR a checkout of the code to compare with (`git worktree add
DIR COMMIT`, its translations compiled with `manage.py compile_translations`), DATABASE_URL
a database filled by `bench.generate`. Prints one table and writes
bench/results/<date>-<N>-compare.json.

Each of the latency group's lists and pages, with its baseline, is requested from both
versions in turn, one keep-alive connection and one single-threaded worker each, the order
swapped every round: whatever else a shared machine does in the meantime falls on both
alike. Runs of `bench.run` minutes apart wander by a fifth on these machines, more than the
change a single finding makes (docs/performance.md, "How it is measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median
from typing import Any

import django

from bench.measure import BenchError, ratio
from bench.server import ROOT, Client, Gunicorn

VERSIONS = ("before", "after")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, required=True,
                        help="how many bench.generate wrote (checked against the database)")
    parser.add_argument("--before", type=Path, required=True,
                        help="a checkout of the code to compare this one with")
    parser.add_argument("--rounds", type=int, default=1000,
                        help="requests of each page to each version (default 1000)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def commit(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()


def compare(clients: dict[str, Client], app: tuple[str, dict[str, str]],
            base: tuple[str, dict[str, str]], rounds: int, warmup: int) -> dict[str, Any]:
    """Medians in ms of `app` and `base` on each version, requested in turn."""
    seconds: dict[str, list[float]] = {f"{v} {w}": [] for v in VERSIONS for w in ("app", "base")}
    for i in range(warmup + rounds):
        for version in VERSIONS if i % 2 == 0 else VERSIONS[::-1]:
            for which, (path, headers) in (("app", app), ("base", base)):
                answer = clients[version].send("GET", path, headers, sink=True)
                if answer.status != 200:
                    raise BenchError(f"{version}: GET {path} answered {answer.status}")
                if i >= warmup:
                    seconds[f"{version} {which}"].append(answer.seconds)
    found: dict[str, Any] = {key: median(values) * 1000 for key, values in seconds.items()}
    for version in VERSIONS:
        found[f"{version} ratio"] = ratio(found[f"{version} app"], found[f"{version} base"])
    found["after / before"] = ratio(found["after app"], found["before app"])
    return found


def table(rows: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'':30} {'before':>18} {'after':>18} {'after / before':>15}"]
    for name, row in rows.items():
        cells = [f"{row[f'{v} app']:.2f} ms ({row[f'{v} ratio']:.2f}×)" for v in VERSIONS]
        lines.append(f"{name:30} {cells[0]:>18} {cells[1]:>18} {row['after / before']:>14.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    django.setup()
    from django.db import connection

    from bench.run import latency_cases, one, sessions, subjects

    if connection.vendor != "postgresql":
        print("bench.compare needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 1
    generated = json.loads(one("SELECT value::text FROM bench_meta WHERE key = 'generate'"))
    if generated["complaints"] != args.complaints:
        print(f"the database was generated with {generated['complaints']:,} complaints, not "
              f"{args.complaints:,}", file=sys.stderr)
        return 1
    people = subjects()
    cases = latency_cases(people, sessions(people))
    roots = {"before": args.before.resolve(), "after": ROOT}
    servers = {v: Gunicorn(workers=1, threads=1, root=roots[v]) for v in VERSIONS}
    log = Path(tempfile.gettempdir()) / f"aduan-bench-compare-{os.getpid()}.log"
    rows: dict[str, dict[str, Any]] = {}
    try:
        for version, server in servers.items():
            server.start({**os.environ, "PYTHONPATH": str(roots[version])}, log)
        clients = {v: Client(server.port) for v, server in servers.items()}
        for name, app, base in cases:
            rows[name] = compare(clients, app, base, args.rounds, args.warmup)
    finally:
        for server in servers.values():
            server.stop()
    print(table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC)
    path = args.out / f"{stamp:%Y-%m-%d}-{args.complaints}-compare.json"
    path.write_text(json.dumps({
        "complaints": args.complaints, "started_at": stamp.isoformat(timespec="seconds"),
        "before": commit(roots["before"]), "after": commit(ROOT), "rounds": args.rounds,
        "warmup": args.warmup, "loadavg_end": Path("/proc/loadavg").read_text().split()[:3],
        "results": rows}, indent=2) + "\n")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
