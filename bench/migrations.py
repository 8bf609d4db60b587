"""What migrating a live installation costs (docs/performance.md, finding 44): the database
of DATABASE_URL is taken back to `complaints 0002` and migrated forward one migration at a
time, each step timed while a client writes to one complaint, one of its clocks and one of
its events every 50 ms, as transitions do; the longest any write waited is printed beside
it. Run it on a generated database (`python -m bench.generate`), not on one in use:

    DATABASE_URL=postgres://… python -m bench.migrations

It ends with the database migrated to the end again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg

STEPS = (("complaints", "0003"), ("complaints", "0004"), ("complaints", "0005"),
         ("workflow", "0002"), ("complaints", "0006"), ("complaints", "0007"),
         ("workflow", "0003"), ("workflow", "0004"), ("complaints", "0008"))
WRITES = ("UPDATE complaints_complaint SET updated_at = updated_at WHERE id = %(complaint)s",
          "UPDATE workflow_clock SET due_at = due_at WHERE complaint_id = %(complaint)s",
          "UPDATE workflow_event SET seq = seq WHERE complaint_id = %(complaint)s")


def migrate(*target: str) -> float:
    started = time.perf_counter()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", *target, "--noinput", "-v0"],
                   check=True, env=env)
    return time.perf_counter() - started


def write_until(stop: threading.Event, url: str, waits: list[float]) -> None:
    with psycopg.connect(url) as conn:
        (complaint,) = conn.execute("SELECT max(id) FROM complaints_complaint").fetchone()
        conn.commit()
        while not stop.is_set():
            started = time.perf_counter()
            for write in WRITES:
                conn.execute(write, {"complaint": complaint})
            conn.commit()
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)


def main() -> None:
    url = os.environ["DATABASE_URL"]
    print(f"back to complaints 0002: {migrate('complaints', '0002'):.1f} s")
    print(f"{'step':<16} {'migrate':>9} {'writes':>7} {'longest write':>14}")
    for step in STEPS:
        stop, waits = threading.Event(), []
        writer = threading.Thread(target=write_until, args=(stop, url, waits))
        writer.start()
        time.sleep(0.5)
        took = migrate(*step)
        stop.set()
        writer.join()
        print(f"{' '.join(step):<16} {took:>7.1f} s {len(waits):>7} "
              f"{max(waits) * 1e3:>11.0f} ms")


if __name__ == "__main__":
    main()
