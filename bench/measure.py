"""The measurements. Each returns `Result`s: a measured value, the baseline measured in the
same run, their ratio and the target it is held to.

Timing is always compared with a baseline taken in the same run, interleaved with the
measurement where that is possible, and summarised by the median of repeats: other work on a
shared machine slows both alike, and the ratio is what the targets are about.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.server import ROOT, Client, Gunicorn, Response, request


@dataclass
class Result:
    name: str
    measured: float | None
    baseline: float | None
    unit: str  # of measured and baseline
    ratio: float | None  # measured / baseline
    target: str  # human-readable
    passed: bool | None  # None: no target, reported only
    kind: str = "timing"  # timing | queries | memory | correctness
    error: str | None = None  # a real error: the run fails
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BenchError(RuntimeError):
    pass


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- query counts (in-process, django.test.Client) -------------------------------------------

def count_queries(client: Any, path: str, **headers: str) -> tuple[int, list[str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return len(captured), [q["sql"] for q in captured.captured_queries], response.status_code


def query_count_result(name: str, client: Any, paths: list[str], limit: int,
                       **headers: str) -> Result:
    """The queries of one page; with several paths (page sizes), they must be equal. Each
    page is requested once before it is counted: the first use of an API token in a minute
    also records `last_used_at` (one UPDATE), which is not the steady state."""
    counts, statuses, sql = [], [], []
    for path in paths:
        client.get(path, **headers)
        n, queries, status = count_queries(client, path, **headers)
        counts.append(n)
        statuses.append(status)
        sql = queries
    constant = len(set(counts)) == 1
    error = None if all(s == 200 for s in statuses) else f"HTTP {statuses}"
    return Result(name, max(counts), None, "queries", None,
                  f"≤ {limit}" + (", same for every page size" if len(paths) > 1 else ""),
                  constant and max(counts) <= limit, kind="queries", error=error,
                  details={"paths": paths, "counts": counts, "sql": sql})


# --- latency over HTTP -----------------------------------------------------------------------

Req = tuple[str, dict[str, str]]  # path, headers


def latency(name: str, client: Client, app: Req, base: Req, repeats: int, warmup: int,
            limit: float = 3.0) -> Result:
    """Median latency of `app` against `base`, sent alternately on one keep-alive
    connection."""
    timings: dict[str, list[float]] = {"app": [], "base": []}
    for i in range(warmup + repeats):
        for which, (path, headers) in (("app", app), ("base", base)):
            answer = client.send("GET", path, headers, sink=True)
            if answer.status != 200:
                raise BenchError(f"{name}: GET {path} answered {answer.status}")
            if i >= warmup:
                timings[which].append(answer.seconds)
    a, b = median(timings["app"]) * 1000, median(timings["base"]) * 1000
    r = ratio(a, b)
    return Result(f"{name} latency", a, b, "ms", r, f"≤ {limit:g}× baseline",
                  r is not None and r <= limit,
                  details={"app": app[0], "baseline": base[0], "repeats": repeats,
                           "app_p90_ms": sorted(timings["app"])[int(0.9 * repeats)] * 1000})


# --- exports -------------------------------------------------------------------------------

def copy_rate(info: dict[str, Any], sql: str) -> tuple[float, int, int]:
    """(seconds, rows, bytes) of a COPY … TO STDOUT read to the end by this process."""
    import psycopg

    with psycopg.connect(**info) as conn, conn.cursor() as cursor:
        began = time.perf_counter()
        size = lines = 0
        with cursor.copy(sql) as copy:
            for block in copy:
                size += len(block)
                lines += bytes(block).count(b"\n")
        return time.perf_counter() - began, lines, size


def export_once(server: Gunicorn, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """One download on a fresh worker, warmed with an export that selects nothing."""
    warm = path.split("?")[0] + "?updated_since=2999-01-01T00%3A00Z"
    answer, memory = on_fresh_worker(server, path, warm, headers, sink=True)
    return {"seconds": answer.seconds, "bytes": answer.size, "lines": answer.lines, **memory}


def on_fresh_worker(server: Gunicorn, path: str, warm: str, headers: dict[str, str],
                    sink: bool = False, method: str = "GET", body: bytes | None = None,
                    warm_body: bytes | None = None, expect: int = 200
                    ) -> tuple[Response, dict[str, Any]]:
    """One request on a fresh worker: its peak RSS (VmHWM) is then the request's own, not a
    leftover of whatever the worker served before, and nothing is in its cache. The same
    connection stays with one worker: `warm` (with `warm_body`) readies it first (imports,
    URLconf, the database connection)."""
    server.reload()
    client = Client(server.port)
    try:
        warmed = client.send(method, warm, headers, body=warm_body, sink=sink)
        if warmed.status != expect:
            raise BenchError(f"{method} {warm} answered {warmed.status}")
        server.reset_peaks()
        before = server.memory()
        answer = client.send(method, path, headers, body=body, sink=sink)
    finally:
        client.close()
    if answer.status != expect:
        raise BenchError(f"{method} {path} answered {answer.status}: {answer.body[:300]!r}")
    after = server.memory()
    peaks = {pid: m["VmHWM"] for pid, m in after.items()}
    worker = max(peaks, key=lambda pid: peaks[pid] - before.get(pid, {}).get("VmRSS", 0))
    return answer, {"peak_mb": peaks[worker],
                    "start_rss_mb": before.get(worker, {}).get("VmRSS")}


BOUNDARY = "aduan-bench-boundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> bytes:
    """A multipart/form-data body (boundary BOUNDARY) of `fields` and JPEG `attachments`."""
    head = "--" + BOUNDARY + '\r\nContent-Disposition: form-data; name="{}"{}\r\n{}\r\n'
    parts = [head.format(name, "", "").encode() + value.encode() + b"\r\n"
             for name, value in fields.items()]
    parts += [head.format("attachments", f'; filename="{filename}"',
                          "Content-Type: image/jpeg\r\n").encode() + content + b"\r\n"
              for filename, content in files]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def photo(size: int) -> bytes:
    """A JPEG's first bytes and random ones: as incompressible as a photo."""
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 4)


def submission_fields(service: str) -> dict[str, str]:
    return {"service": service, "title": "Jalan berlubang di depan sekolah",
            "description": "Lubang besar sudah dua minggu tidak diperbaiki.",
            "visibility": "public"}


def attachments(server: Gunicorn, service: str, repeats: int) -> list[Result]:
    """A citizen's submission with attachments over HTTP, each on a fresh worker: its time
    and the worker's peak memory against the same submission without any. One photo of
    1 MB, and the most one submission may carry (ATTACHMENT_MAX_COUNT files of
    ATTACHMENT_MAX_BYTES), which Django spools to temporary files rather than memory."""
    from django.conf import settings

    from complaints.models import Attachment

    most, largest = settings.ATTACHMENT_MAX_COUNT, settings.ATTACHMENT_MAX_BYTES
    cases = {"none": (0, 0), "a photo of 1 MB": (1, 1 << 20),
             f"{most} files of {largest >> 20} MB, the most allowed": (most, largest)}
    fields = submission_fields(service)
    path = "/api/v1/complaints/"
    plain = multipart(fields, [])
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (count, size) in cases.items():
            photos = [(f"foto{i}.jpg", photo(size)) for i in range(count)]
            answer, memory = on_fresh_worker(
                server, path, path, MULTIPART, method="POST", body=multipart(fields, photos),
                warm_body=plain, expect=201)
            number = json.loads(answer.body)["tracking_number"]
            stored = sorted(Attachment.objects.filter(complaint__tracking_number=number)
                            .values_list("size", flat=True))
            if stored != [size] * count:
                raise BenchError(f"{number}: stored attachments {stored}, sent {count} of "
                                 f"{size} bytes")
            runs[name].append({"seconds": answer.seconds, "bytes": count * size, **memory})
    base = runs.pop("none")
    base_seconds = median([r["seconds"] for r in base])
    base_peak = median([r["peak_mb"] for r in base])
    results = []
    for name, measured in runs.items():
        seconds = median([r["seconds"] for r in measured])
        peak = median([r["peak_mb"] for r in measured])
        results.append(Result(
            f"submission with {name}, over HTTP", seconds, base_seconds, "s",
            ratio(seconds, base_seconds),
            f"reported (peak worker memory {peak:.0f} MB, {base_peak:.0f} MB without)", None,
            details={"runs": measured, "baseline_runs": base}))
    return results


def attachments_under_load(env: dict[str, str], port: int, service: str, seconds: float,
                           rounds: int, concurrency: int) -> list[Result]:
    """Citizens' submissions with a photo of 1 MB from `concurrency` clients at once, against
    the same multipart submission without one, in rounds as `throughput` runs them: what
    photos cost a server, and how fast they fill its disk. Every photo accepted must be
    stored."""
    from complaints.models import Attachment

    size = 1 << 20
    fields = submission_fields(service)
    with tempfile.TemporaryDirectory(prefix="aduan-bench-bodies-") as folder:
        bodies = {"plain": multipart(fields, []),
                  "photo": multipart(fields, [("foto.jpg", photo(size))])}
        specs = {}
        for kind, body in bodies.items():
            (Path(folder) / kind).write_bytes(body)
            item = {"method": "POST", "path": "/api/v1/complaints/", "headers": MULTIPART,
                    "body_file": str(Path(folder) / kind)}
            specs[kind] = [[item]] * concurrency
        before = Attachment.objects.count()
        results = throughput(env, port, seconds, rounds, specs, {k: [201] for k in specs},
                             "plain", {"photo": "submission with a photo of 1 MB, under load"},
                             limit=None)
    stored = Attachment.objects.count() - before
    accepted = sum(run["ok"] for run in results[0].details["runs"])
    if stored != accepted:
        raise BenchError(f"{accepted} submissions with a photo accepted, {stored} stored")
    result = results[0]
    result.target = f"reported ({result.measured * size / 1e6:.0f} MB/s of photos stored)"
    return results


def exports(server: Gunicorn, info: dict[str, Any], headers: dict[str, str],
            total: int, subset_since: str, subset_rows: int, repeats: int,
            subset_repeats: int) -> list[Result]:
    """Throughput of both formats against PostgreSQL's COPY of the same columns (a COPY
    before each export, repeat after repeat), and once of each gzipped, reported; then each
    format's peak worker memory against the same export of about a tenth of the rows."""
    from bench.queries import export_copy

    formats = (("csv", 1), ("jsonl", 0))  # and the lines that are not records (the header)
    copies: list[tuple[float, int, int]] = []
    runs: dict[str, list[dict[str, Any]]] = {fmt: [] for fmt, _extra in formats}
    for _ in range(repeats):
        for fmt, extra in formats:
            # COPY right before each export: at 1M one COPY took 46 s in one run and 96 s
            # in the next, so a single one per repeat decided the ratio.
            copies.append(copy_rate(info, export_copy()))
            if copies[-1][1] - 1 != total:
                raise BenchError(f"COPY gave {copies[-1][1] - 1} rows for {total} complaints")
            run = export_once(server, f"/api/v1/exports/complaints.{fmt}", headers)
            if run["lines"] - extra != total:
                raise BenchError(f"complaints.{fmt} had {run['lines'] - extra} records "
                                 f"for {total} complaints")
            runs[fmt].append(run)
    copy_per_s = median([total / c[0] for c in copies])
    results = []
    for fmt, extra in formats:
        per_s = median([total / r["seconds"] for r in runs[fmt]])
        r = ratio(per_s, copy_per_s)
        results.append(Result(
            f"export complaints.{fmt} throughput", per_s, copy_per_s, "rows/s", r,
            "≥ 0.5× COPY", r is not None and r >= 0.5,
            details={"runs": runs[fmt], "copy_runs": [{"seconds": c[0], "bytes": c[2]}
                                                      for c in copies]}))
    # Once more each, to a client that takes gzip (as browsers and curl --compressed do):
    # what compressing costs the worker and saves on the wire, against a COPY just before.
    for fmt, extra in formats:
        seconds, _rows, size = copy_rate(info, export_copy())
        zipped = export_once(server, f"/api/v1/exports/complaints.{fmt}",
                             {**headers, "Accept-Encoding": "gzip"})
        if zipped["lines"] - extra != total:
            raise BenchError(f"complaints.{fmt} gzipped had {zipped['lines'] - extra} records "
                             f"for {total} complaints")
        per_s, copy_per_s = total / zipped["seconds"], total / seconds
        results.append(Result(
            f"export complaints.{fmt} gzipped throughput", per_s, copy_per_s, "rows/s",
            ratio(per_s, copy_per_s),
            f"reported ({zipped['bytes'] / runs[fmt][0]['bytes']:.0%} of the bytes)", None,
            details={"runs": [zipped], "copy_runs": [{"seconds": seconds, "bytes": size}]}))
    for fmt, extra in formats:
        query = "?updated_since=" + urllib.parse.quote(subset_since)
        small = [export_once(server, f"/api/v1/exports/complaints.{fmt}{query}", headers)
                 for _ in range(subset_repeats)]
        for run in small:
            if run["lines"] - extra != subset_rows:
                raise BenchError(f"complaints.{fmt}{query} had {run['lines'] - extra} "
                                 f"records, expected {subset_rows}")
        full_peak = max(r["peak_mb"] for r in runs[fmt])
        small_peak = max(r["peak_mb"] for r in small)
        r = ratio(full_peak, small_peak)
        results.append(Result(
            f"export complaints.{fmt} peak worker memory", full_peak, small_peak, "MB", r,
            f"< 200 MB, ≤ 1.2× at {subset_rows:,} rows",
            full_peak < 200 and r is not None and r <= 1.2, kind="memory",
            details={"subset_runs": small, "subset_rows": subset_rows, "full_rows": total,
                     "fresh_worker_rss_mb": median([r["start_rss_mb"] for r in small])}))
    return results


# --- the change feed -----------------------------------------------------------------------

def follow_feed(client: Client, headers: dict[str, str], max_events: int, limit: int,
                max_seconds: float) -> dict[str, Any]:
    """Follow the feed from the start, page by page, until it is exhausted, `max_events`
    were read or `max_seconds` have passed."""
    after, events, requests, began = None, 0, 0, time.perf_counter()
    while events < max_events and time.perf_counter() - began < max_seconds:
        path = f"/api/v1/exports/events.jsonl?limit={limit}"
        if after:
            path += "&after=" + urllib.parse.quote(after)
        try:
            answer = client.send("GET", path, headers)
        except TimeoutError:
            cancel_active("workflow_event")
            raise BenchError(f"GET {path}: no answer within {client.timeout:g} s") from None
        requests += 1
        if answer.status != 200:
            raise BenchError(f"GET {path} answered {answer.status}")
        lines = answer.body.rstrip(b"\n").split(b"\n")
        last = json.loads(lines[-1])
        if "next_cursor" not in last:
            raise BenchError("a feed page without its next_cursor line")
        got = len(lines) - 1
        events += got
        after = last["next_cursor"]
        if got < limit:
            break
    seconds = time.perf_counter() - began
    return {"events": events, "seconds": seconds, "requests": requests,
            "per_second": events / seconds}


def cancel_active(table: str) -> None:
    """Cancel the statements on `table` that a request the benchmark gave up on left
    running in the benchmark's own cluster, so they do not weigh on what follows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND state = 'active' AND pid <> pg_backend_pid() "
                       "AND query LIKE %s", [f"%{table}%"])


def feed(port: int, info: dict[str, Any], headers: dict[str, str], max_events: int,
         repeats: int, max_seconds: float, limit: int = 10_000, timeout: float = 180
         ) -> Result:
    from bench.queries import events_copy

    client = Client(port, timeout=timeout)
    runs, copies = [], []
    try:
        for _ in range(repeats):
            runs.append(follow_feed(client, headers, max_events, limit, max_seconds))
            seconds, rows, _size = copy_rate(info, events_copy())
            copies.append(rows / seconds)
    finally:
        client.close()
    per_s, copy_per_s = median([r["per_second"] for r in runs]), median(copies)
    return Result("events feed followed", per_s, copy_per_s, "events/s",
                  ratio(per_s, copy_per_s), "≥ 100,000 events/s", per_s >= 100_000,
                  details={"runs": runs, "limit": limit, "baseline": "COPY of the feed's "
                           "fields in feed order (for scale; the target is absolute)"})


# --- throughput under load -------------------------------------------------------------------

def load(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(spec),
                          capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=spec["seconds"] + 120)
    if done.returncode != 0:
        raise BenchError(f"load client failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def throughput(env: dict[str, str], port: int, seconds: float, rounds: int,
               specs: dict[str, list[list[dict[str, Any]]]], ok: dict[str, list[int]],
               baseline: str, names: dict[str, str], limit: float | None = 0.33,
               reported: Collection[str] = ()) -> list[Result]:
    """Rounds of every load in `specs`, in a rotating order; the median per-second rate of
    each, compared with `baseline`'s (reported only without a `limit`, or for the kinds in
    `reported`)."""
    rates: dict[str, list[float]] = {k: [] for k in specs}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in specs}
    order = list(specs)
    for round_ in range(rounds):
        for kind in order[round_ % len(order):] + order[:round_ % len(order)]:
            result = load(env, {"port": port, "seconds": seconds, "ok": ok[kind],
                                "threads": specs[kind]})
            rates[kind].append(result["per_second"])
            runs[kind].append(result)
    base = median(rates[baseline])
    results = []
    for kind in specs:
        if kind == baseline:
            continue
        rate = median(rates[kind])
        errors = sum(sum(r["errors"].values()) for r in runs[kind])
        base_errors = sum(sum(r["errors"].values()) for r in runs[baseline])
        r = ratio(rate, base)
        error = None
        if errors or base_errors:
            error = (f"{errors} failed requests ({runs[kind][-1]['errors']}); baseline "
                     f"{base_errors}")
        if limit is None or kind in reported:
            target, passed = "reported", None
        else:
            target = f"≥ {limit:g}× baseline, no error"
            passed = r is not None and r >= limit and not errors
        results.append(Result(names[kind], rate, base, "req/s", r, target, passed, error=error,
                              details={"runs": runs[kind], "baseline_runs": runs[baseline],
                                       "concurrency": len(specs[kind])}))
    return results


def beyond_capacity(env: dict[str, str], port: int, seconds: float, name: str, rate: float,
                    loads: dict[int, list[list[dict[str, Any]]]]) -> list[Result]:
    """Each load, sent by more clients than the servers answer at once: its rate against
    `rate` (the same requests' rate from fewer clients) and how long its requests wait. A
    request refused, failed or timed out is an error."""
    results = []
    for clients, threads in loads.items():
        run = load(env, {"port": port, "seconds": seconds, "ok": [200, 201], "threads": threads})
        errors = sum(run["errors"].values())
        waits = ", ".join(f"{p} {run[p] * 1000:.0f} ms" for p in ("p50", "p95", "p99")
                          if run[p] is not None)
        results.append(Result(f"{name}, {clients} clients", run["per_second"], rate, "req/s",
                              ratio(run["per_second"], rate), f"reported ({waits})", None,
                              error=f"{errors} failed requests ({run['errors']})"
                              if errors else None,
                              details={"run": run, "clients": clients}))
    return results


# --- the sweeper ---------------------------------------------------------------------------

def sweep_pass(env: dict[str, str], due: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.sweep", "--due", str(due)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise BenchError(f"bench.sweep failed: {done.stderr[-2000:]}") from None


def sweeps(big_env: dict[str, str], base_env: dict[str, str], due: int, repeats: int,
           base_total: int, limit: float = 1.5) -> Result:
    big, base = [], []
    for _ in range(repeats):
        base.append(sweep_pass(base_env, due))
        big.append(sweep_pass(big_env, due))
    failures = [r for r in big + base if not r["ok"]]
    a, b = median([r["seconds"] for r in big]), median([r["seconds"] for r in base])
    r = ratio(a, b)
    error = None
    if failures:
        error = f"a pass left work undone: {failures[0]}"
    return Result(f"sla_sweep pass, {big[0]['due']:,} due", a, b, "s", r,
                  f"≤ {limit:g}× at {base_total:,} complaints, all handled",
                  r is not None and r <= limit and not failures, error=error,
                  details={"runs": big, "baseline_runs": base,
                           "per_item_ms": a / max(1, big[0]["due"]) * 1000})


# --- statistics ----------------------------------------------------------------------------

def public_statistics(server: Gunicorn, info: dict[str, Any], total: int, agency: Any,
                      repeats: int) -> list[Result]:
    """The public statistics asked cold (a fresh worker: nothing cached), for everything and
    for one agency with its units, against PostgreSQL's own count of the same complaints by
    agency, service and state (the two interleaved, repeat after repeat); then the worker's
    peak memory for everything against one agency's. No target for the time: it is what an
    operator sizing a server asks."""
    import psycopg

    from bench.queries import statistics_count

    questions = (("everything", "/api/v1/stats/", "TRUE", [], total),
                 ("one agency", f"/api/v1/stats/?agency={agency.code}",
                  "c.agency_id IN (SELECT id FROM complaints_agency WHERE path LIKE %s)",
                  [agency.path + "%"], None))
    warm = "/api/v1/stats/?received_after=2999-01-01"  # selects nothing
    runs: dict[str, list[dict[str, Any]]] = {q[0]: [] for q in questions}
    counts: dict[str, list[float]] = {q[0]: [] for q in questions}
    for _ in range(repeats):
        for name, path, where, params, expected in questions:
            with psycopg.connect(**info) as conn:
                began = time.perf_counter()
                counted = sum(row[-1] for row in conn.execute(statistics_count(where), params))
                counts[name].append(time.perf_counter() - began)
            answer, memory = on_fresh_worker(server, path, warm, {})
            answered = json.loads(answer.body)["totals"]["complaints"]
            if answered != counted or (expected is not None and answered != expected):
                raise BenchError(f"{path} counted {answered} complaints, PostgreSQL {counted}")
            runs[name].append({"seconds": answer.seconds, "complaints": answered, **memory})
    results = []
    for name, path, *_ in questions:
        seconds = median([r["seconds"] for r in runs[name]])
        count = median(counts[name])
        results.append(Result(
            f"statistics, {name}, cold", seconds, count, "s", ratio(seconds, count),
            "reported", None, details={"path": path, "runs": runs[name],
                                       "count_seconds": counts[name]}))
    full = max(r["peak_mb"] for r in runs["everything"])
    one = max(r["peak_mb"] for r in runs["one agency"])
    r = ratio(full, one)
    results.append(Result(
        "statistics, everything, peak worker memory", full, one, "MB", r,
        "< 200 MB, ≤ 1.2× one agency's", full < 200 and r is not None and r <= 1.2,
        kind="memory", details={"agency": agency.code}))
    return results


@contextmanager
def sharing_a_cache(env: dict[str, str], log: Path, workers: int, threads: int, name: str,
                    keep: int) -> Iterator[tuple[Gunicorn, Path]]:
    """An app server whose workers keep figures `keep` seconds in a cache table of their own,
    emptied first, as docs/deploy.md configures more than one app server; and its log, where
    each computation of figures is a line (config/cache.py)."""
    cache = shared_cache(name)
    emptied(cache)
    with serving(env, log, workers, threads, name,
                 {**cache, "STATISTICS_CACHE_SECONDS": str(keep)}) as started:
        yield started


@contextmanager
def serving(env: dict[str, str], log: Path, workers: int, threads: int, name: str,
            settings: dict[str, str]) -> Iterator[tuple[Gunicorn, Path]]:
    """An app server of its own, with `settings` added to its environment, and its log
    (named `name` beside `log`); stopped when the block ends."""
    server = Gunicorn(workers=workers, threads=threads)
    server_log = log.with_name(f"{log.stem}-{name}.log")
    server_log.unlink(missing_ok=True)
    server.start({**env, **settings}, server_log)
    try:
        yield server, server_log
    finally:
        server.stop()


def shared_cache(name: str) -> dict[str, str]:
    """The environment of a cache table of its own, as docs/deploy.md configures one."""
    return {"CACHE_BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "CACHE_LOCATION": f"bench_cache_{name}"}


def emptied(cache: dict[str, str]) -> None:
    """Create the cache table of `shared_cache`'s environment if need be, and empty it."""
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(CACHES={"default": {"BACKEND": cache["CACHE_BACKEND"],
                                               "LOCATION": cache["CACHE_LOCATION"]}}):
        call_command("createcachetable", verbosity=0)
        caches["default"].clear()


def first_visitor(env: dict[str, str], log: Path, workers: int, threads: int,
                  repeats: int) -> list[Result]:
    """The public statistics page's first visitor after a quiet period (no figures kept in
    the cache the app servers share): as it comes, and after the SLA worker has computed its
    figures ahead (`manage.py warm_statistics`, what each sla_worker pass runs with
    STATISTICS_WARM on; docs/performance.md, finding 35). And what that costs the worker:
    the seconds of its computations (the page's and the API's figures of everything), as its
    log gives them, once a period."""
    path = "/statistik/"
    cache = shared_cache("first_visitor")
    waits: dict[str, list[float]] = {"cold": [], "warmed": []}
    warming: list[float] = []
    with sharing_a_cache(env, log, workers, threads, "first_visitor", 3600) as (server, _log):
        for _ in range(repeats):
            for kind in ("cold", "warmed"):
                emptied(cache)
                if kind == "warmed":
                    done = subprocess.run(
                        [sys.executable, "manage.py", "warm_statistics"], cwd=ROOT,
                        env={**env, **cache, "LOG_LEVEL": "INFO"}, capture_output=True,
                        text=True, timeout=1800)
                    spent = [float(line.split()[-2]) for line in done.stderr.splitlines()
                             if line.startswith("figures ")]
                    if done.returncode != 0 or len(spent) != 2:
                        raise BenchError(f"warm_statistics: {done.stdout}{done.stderr[-2000:]}")
                    warming.append(sum(spent))
                began = time.perf_counter()
                status, _body = request(server.port, "GET", path, timeout=900)
                waits[kind].append(time.perf_counter() - began)
                if status != 200:
                    raise BenchError(f"{path} answered {status}")
    cold, warmed = median(waits["cold"]), median(waits["warmed"])
    details = {"path": path, "waits": waits, "warming_seconds": warming}
    return [
        Result("statistics page, first visitor after a quiet period, figures computed ahead",
               warmed, cold, "s", ratio(warmed, cold), "reported (baseline: not computed "
               "ahead)", None, details=details),
        Result("statistics computed ahead, the worker's seconds a period", median(warming),
               None, "s", None, "reported", None, details=details),
    ]


def computations(server_log: Path, prefix: str) -> list[float]:
    """The seconds of each computation of figures whose key starts with `prefix`."""
    return [float(line.split()[-2]) for line in server_log.read_text().splitlines()
            if line.startswith(f"figures {prefix}")]


def statistics_under_load(env: dict[str, str], log: Path, workers: int, threads: int,
                          fresh: int, seconds: float, concurrency: int) -> list[Result]:
    """The public statistics of everything asked by `concurrency` clients without a pause for
    `seconds`, from app servers that keep the figures `fresh` seconds in a cache table all
    their workers share; against the same load on figures kept the whole run. The servers log
    each computation: one per period at most, or the run fails."""
    path = "/api/v1/stats/"
    runs: dict[str, dict[str, Any]] = {}
    for kind, keep in (("kept", 86_400), ("expiring", fresh)):
        with sharing_a_cache(env, log, workers, threads, f"statistics_{kind}",
                             keep) as (server, server_log):
            status, _body = request(server.port, "GET", path, timeout=900)  # computed once
            if status != 200:
                raise BenchError(f"{path} answered {status}")
            runs[kind] = load(env, {"port": server.port, "seconds": seconds, "ok": [200],
                                    "threads": [[{"method": "GET", "path": path}]]
                                    * concurrency})
        runs[kind]["computed"] = computations(server_log, "stats:")
    kept, expiring = runs["kept"], runs["expiring"]
    errors = {kind: run["errors"] for kind, run in runs.items() if run["errors"]}
    details = {"path": path, "fresh_seconds": fresh, "seconds": seconds,
               "concurrency": concurrency, "runs": runs}
    results = [Result(f"public statistics under load, kept {fresh} s", expiring["per_second"],
                      kept["per_second"], "req/s", ratio(expiring["per_second"],
                                                         kept["per_second"]),
                      "reported (baseline: kept the run)", None,
                      error=f"failed requests: {errors}" if errors else None, details=details)]
    # The first request's computation, then at most one each time the figures expire.
    allowed = math.ceil(seconds / fresh) + 1
    computed = len(expiring["computed"])
    error = None
    if computed > allowed or len(kept["computed"]) != 1:
        error = (f"{computed} computations in {seconds:g} s of figures kept {fresh} s "
                 f"(at most {allowed}); {len(kept['computed'])} of figures kept the run (1)")
    results.append(Result(f"public statistics under load, computations while kept {fresh} s",
                          computed, allowed, "computations", ratio(computed, allowed),
                          f"≤ one per period ({allowed})", error is None, kind="correctness",
                          error=error))
    return results


def statistics_page_under_load(env: dict[str, str], log: Path, workers: int, threads: int,
                               seconds: float, concurrency: int) -> list[Result]:
    """The public statistics page of everything asked by `concurrency` clients without a
    pause for `seconds`, its figures kept the run in a cache table the workers share; against
    the same load on the API's answer of the same figures (finding 35)."""
    runs: dict[str, dict[str, Any]] = {}
    with sharing_a_cache(env, log, workers, threads, "statistics_page", 86_400) as (server, _):
        for path in ("/statistik/", "/api/v1/stats/"):
            status, _body = request(server.port, "GET", path, timeout=900)  # computed once
            if status != 200:
                raise BenchError(f"{path} answered {status}")
            runs[path] = load(env, {"port": server.port, "seconds": seconds, "ok": [200],
                                    "threads": [[{"method": "GET", "path": path}]]
                                    * concurrency})
    page, api = runs["/statistik/"], runs["/api/v1/stats/"]
    errors = {path: run["errors"] for path, run in runs.items() if run["errors"]}
    return [Result("public statistics page under load, figures kept", page["per_second"],
                   api["per_second"], "req/s", ratio(page["per_second"], api["per_second"]),
                   "reported (baseline: the API's answer)", None,
                   error=f"failed requests: {errors}" if errors else None,
                   details={"seconds": seconds, "concurrency": concurrency, "runs": runs})]


def dashboards_at_opening(env: dict[str, str], log: Path, workers: int, threads: int,
                          sessions: list[str], scopes: int, concurrency: int) -> list[Result]:
    """The start of a working day: every officer of an agency (one signed-in session each)
    opens the dashboard once, `concurrency` at a time in a shuffled order, with no figures
    kept. How long until everyone has it, and how many times figures were computed: at most
    once per scope (`scopes`, counted by the caller), as the officers of a unit share theirs
    (docs/performance.md, finding 30), or the run fails."""
    order = random.Random(0).sample(sessions, len(sessions))
    threads_spec = [[{"method": "GET", "path": "/staff/dasbor/",
                      "headers": {"Cookie": f"sessionid={cookie}"}}
                     for cookie in order[t::concurrency]] for t in range(concurrency)]
    with sharing_a_cache(env, log, workers, threads, "dashboards", 3600) as (server, server_log):
        run = load(env, {"port": server.port, "seconds": 900, "ok": [200], "once": True,
                         "threads": threads_spec})
    run["computed"] = computations(server_log, "dashboard:")
    computed = len(run["computed"])
    details = {"officers": len(sessions), "scopes": scopes, "concurrency": concurrency,
               "run": run}
    missing = len(sessions) - run["ok"]
    results = [Result(f"dashboards at the start of a day ({len(sessions)} officers, "
                      f"{concurrency} at a time)", run["seconds"], None, "s", None,
                      f"reported (slowest {run['max'] or 0:.2f} s)", None,
                      error=(f"{missing} dashboards not served: {run['errors']}"
                             if missing else None), details=details)]
    error = None if computed <= scopes else (
        f"{computed} computations for {len(sessions)} officers in {scopes} scopes")
    results.append(Result("dashboards at the start of a day, computations", computed, scopes,
                          "computations", ratio(computed, scopes), f"≤ one per scope ({scopes})",
                          error is None, kind="correctness", error=error))
    return results


def new_public_questions(env: dict[str, str], log: Path, workers: int, threads: int,
                         staff: list[list[dict[str, Any]]], seconds: float) -> list[Result]:
    """Staff pages loaded while as many clients again ask the public statistics a question no
    one asked before, each time (a new `received_after`), against the same staff load alone.
    Each app-server process computes one public question at a time (finding 29); run with as
    many computations on the database as there are processes, as before finding 45, and
    with the default STATISTICS_COMPUTATIONS of 1. Those told to come back get a 503
    (workflow.stats): the clients ask again at once (a flood), or after its Retry-After."""
    # Each question covers every complaint, and none is asked twice in the run: a date range
    # from one of 9,000 days before the data to one of the days after it.
    first, after = dt.date(2000, 1, 1), dt.date(2040, 1, 1)
    clients = len(staff)
    ranges = (f"received_after={first + dt.timedelta(days=k % 9000)}"
              f"&received_before={after + dt.timedelta(days=k // 9000)}"
              for k in itertools.count())
    results = []
    for limit in (workers, 1):
        with serving(env, log, workers, threads, f"questions-{limit}",
                     {"STATISTICS_COMPUTATIONS": str(limit)}) as (server, _log):
            alone = load(env, {"port": server.port, "seconds": seconds, "ok": [200],
                               "threads": staff})
            for polite in (False, True):
                asked = [next(ranges) for _ in range(30_000)]
                questions = [[{"method": "GET", "path": f"/api/v1/stats/?{question}"}
                              for question in asked[t::clients]] for t in range(clients)]
                with ThreadPoolExecutor(2) as pool:
                    pages = pool.submit(load, env, {"port": server.port, "seconds": seconds,
                                                    "ok": [200], "threads": staff})
                    public = pool.submit(load, env, {
                        "port": server.port, "seconds": seconds, "ok": [200, 503],
                        "threads": questions, "retry_after": polite}).result()
                    together = pages.result()
                errors = {k: v for k, v in (("staff pages", together["errors"]),
                                            ("staff pages alone", alone["errors"]),
                                            ("statistics", public["errors"])) if v}
                results.append(Result(
                    f"staff pages while the public asks new statistics questions, {limit} "
                    f"computed at once, {'honouring Retry-After' if polite else 'a flood'}",
                    together["per_second"], alone["per_second"], "req/s",
                    ratio(together["per_second"], alone["per_second"]),
                    "reported (baseline: the staff pages alone)", None,
                    error=f"failed requests: {errors}" if errors else None,
                    details={"clients": clients, "seconds": seconds, "workers": workers,
                             "statistics_computations": limit, "retry_after": polite,
                             "staff": together, "staff_alone": alone, "statistics": public}))
    return results


def guarded(name: str, run: Callable[[], list[Result] | Result]) -> list[Result]:
    """A measurement that raised is reported as an error row, and the others still run."""
    try:
        found = run()
    except Exception as error:  # noqa: BLE001 - the run goes on; the error fails it
        return [Result(name, None, None, "", None, "runs without error", False,
                       kind="correctness", error=f"{type(error).__name__}: {error}")]
    return found if isinstance(found, list) else [found]
