"""The load client, in its own process: `python -m bench.load < spec.json` prints a JSON
result. Each of `concurrency` threads holds one keep-alive connection and sends its list of
requests round-robin until `seconds` have passed, or once through if the spec says "once".

spec: {"port", "seconds", "ok": [statuses], "threads": [[{"method", "path", "headers",
"body"}, …], …]}; "{n}" in a body becomes a number unique within the run. An item may name a
"body_file" instead, whose bytes are sent as they are (a multipart upload), and a "kind":
the result then also gives each kind's answered requests and latencies. With
"retry_after": true a thread told to come back (`Retry-After`) waits as long before its next
request, as a well-behaved client does.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.server import Client


def run(spec: dict[str, Any]) -> dict[str, Any]:
    deadline_after = float(spec["seconds"])
    ok_statuses = set(spec["ok"])
    counter = itertools.count()
    lock = threading.Lock()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    by_kind: defaultdict[str, list[float]] = defaultdict(list)
    start = threading.Barrier(len(spec["threads"]) + 1)

    def worker(items: list[dict[str, Any]]) -> None:
        client = Client(spec["port"], timeout=60)
        files = {item["body_file"]: Path(item["body_file"]).read_bytes()
                 for item in items if "body_file" in item}
        mine: list[float] = []
        mine_by_kind: defaultdict[str, list[float]] = defaultdict(list)
        seen: Counter[str] = Counter()
        start.wait()
        deadline = time.perf_counter() + deadline_after
        for item in items if spec.get("once") else itertools.cycle(items):
            if time.perf_counter() >= deadline:
                break
            body = item.get("body")
            if body is not None:
                body = body.replace("{n}", str(next(counter))).encode()
            elif "body_file" in item:
                body = files[item["body_file"]]
            try:
                answer = client.send(item["method"], item["path"], item.get("headers"), body)
            except Exception as error:  # noqa: BLE001 - every failure is counted as one
                seen[type(error).__name__] += 1
                client.close()
                client = Client(spec["port"], timeout=60)
                continue
            seen[str(answer.status)] += 1
            wait = answer.headers.get("retry-after") if spec.get("retry_after") else None
            if wait is not None:
                time.sleep(max(0.0, min(float(wait), deadline - time.perf_counter())))
            if answer.status in ok_statuses:
                mine.append(answer.seconds)
                if "kind" in item:
                    mine_by_kind[item["kind"]].append(answer.seconds)
        client.close()
        with lock:
            statuses.update(seen)
            latencies.extend(mine)
            for kind, seconds in mine_by_kind.items():
                by_kind[kind].extend(seconds)

    threads = [threading.Thread(target=worker, args=(items,)) for items in spec["threads"]]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    ok = len(latencies)
    latencies.sort()

    def pct(p: float, of: list[float] = latencies) -> float | None:
        return of[min(len(of) - 1, int(p * len(of)))] if of else None

    kinds = {kind: {"ok": len(seconds), "p50": statistics.median(seconds),
                    "p95": pct(0.95, sorted(seconds))}
             for kind, seconds in sorted(by_kind.items())}
    return {"seconds": elapsed, "requests": sum(statuses.values()), "ok": ok,
            "statuses": dict(statuses),
            "errors": {k: v for k, v in statuses.items()
                       if not (k.isdigit() and int(k) in ok_statuses)},
            "per_second": ok / elapsed if elapsed else 0.0,
            "p50": statistics.median(latencies) if latencies else None,
            "p95": pct(0.95), "p99": pct(0.99), "max": latencies[-1] if latencies else None,
            **({"kinds": kinds} if kinds else {})}


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))
