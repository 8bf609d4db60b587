"""Proof that the production processes cooperate, as `make serve-prod` runs them (two gunicorn
app servers and two `manage.py sla_worker` processes on one PostgreSQL), printed step by step
as PASS or FAIL:

- every app server answers, with the production settings;
- a complaint submitted to one server is read back through the other, and the same
  `Idempotency-Key` sent to the other server replays it instead of creating a second one;
- every server serves the collected static files itself (WhiteNoise);
- with a read replica configured, each server's statistics read through it: each server's
  connections to it, named by its `DB_APPLICATION_NAME`, appear in pg_stat_activity;
- new public statistics questions are limited on the database across the servers: while
  every slot of STATISTICS_COMPUTATIONS is held (as by processes computing), each server
  tells a new question to come back, and answers it once they are free;
- an ombudsman's export from either server holds what was submitted to the other, either
  server verifies the audit chains of what was submitted, and the change feed followed
  from either holds their events;
- given the servers' statement timeout, a write held up on a row this process has locked
  is cancelled by it on each server (503 `query_timeout`), keeps nothing, and goes through
  once the row is free;
- a batch of complaints whose `verify` deadline is moved into the past at once is swept by
  the workers together: each clock breached exactly once, at its real deadline, each mail
  handed over exactly once, and (from the workers' logs) both workers did part of it.

It speaks HTTP to the servers and reads and arranges the database through the ORM, with the
servers' own settings. `python -m deploy.cooperation --help`; tests/deploy/test_serve_prod.py
runs it against the test database. Django is imported inside the functions: the command sets
it up only after reading its arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

# Enough complaints for more than one sweeper batch (workflow.sweeper.BATCH = 200), so that
# a second worker finds work the first one has not claimed.
DEFAULT_DUE = 300
SWEEP_TIMEOUT = 180.0
SWEEP_LINE = re.compile(r"^sla_worker: (\{[^}]*\})", re.MULTILINE)
MESSAGE_ID = re.compile(r"^Message-ID: <notification-(\d+)@", re.MULTILINE)


# --- reporting ----------------------------------------------------------------------------

@dataclass
class Report:
    out: TextIO = sys.stdout
    results: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append((name, ok, detail))
        self.say(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
        return ok

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _detail in self.results if not ok]

    def summary(self) -> str:
        if not self.failed:
            return f"PASS: all {len(self.results)} checks passed"
        return (f"FAIL: {len(self.failed)} of {len(self.results)} checks failed: "
                + "; ".join(self.failed))


# --- HTTP ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(server: str, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None, timeout: float = 60) -> Answer:
    """One request on its own connection; redirects are answers too (never followed)."""
    where = urlsplit(server)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=timeout)
    payload = json.dumps(body).encode() if body is not None else None
    try:
        conn.request(method, path, body=payload, headers={
            "Accept": "application/json", "Content-Type": "application/json",
            **(headers or {})})
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        conn.close()


def wait_until_serving(servers: Sequence[str], timeout: float = 60) -> list[str]:
    """The servers that did not answer `GET /api/v1/services/` with 200 in time."""
    deadline = time.monotonic() + timeout
    waiting = list(servers)
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            try:
                if call(server, "GET", "/api/v1/services/", timeout=5).status == 200:
                    waiting.remove(server)
            except OSError:
                pass
        if waiting:
            time.sleep(0.3)
    return waiting


# --- the app servers ------------------------------------------------------------------------

def check_servers(report: Report, servers: Sequence[str]) -> str | None:
    """Every server answers; returns the code of a service to complain about."""
    late = wait_until_serving(servers)
    report.check("app servers answer", not late,
                 f"{len(servers) - len(late)} of {len(servers)} serve GET /api/v1/services/"
                 + (f"; silent: {', '.join(late)}" if late else ""))
    if late:
        return None
    services = call(servers[0], "GET", "/api/v1/services/").json()
    return services[0]["code"] if services else None


def check_shared_writes(report: Report, servers: Sequence[str], service: str) -> list[str]:
    """Each server's write, read through the next one; returns the tracking numbers."""
    numbers = []
    for here, there in zip(servers, [*servers[1:], servers[0]], strict=True):
        key = uuid.uuid4().hex
        body = {"service": service, "title": f"Cek serve-prod via {here}",
                "description": "Pengaduan uji: server aplikasi berbagi satu basis data.",
                "reporter": {"name": "Warga Uji", "email": "warga.uji@example.id"}}
        made = call(here, "POST", "/api/v1/complaints/", body, {"Idempotency-Key": key})
        if not report.check(f"submit to {here}", made.status == 201,
                            f"{made.status} {made.body[:200]!r}" if made.status != 201
                            else f"201, {made.json()['tracking_number']}"):
            continue
        number, token = made.json()["tracking_number"], made.json()["access_token"]
        numbers.append(number)
        seen = call(there, "GET", f"/api/v1/complaints/{number}/",
                    headers={"X-Access-Token": token})
        report.check(f"read through {there}",
                     seen.status == 200 and seen.json()["tracking_number"] == number,
                     f"{number} submitted to {here}: {seen.status}"
                     + (f", state {seen.json()['state']}" if seen.status == 200 else ""))
        again = call(there, "POST", "/api/v1/complaints/", body, {"Idempotency-Key": key})
        replayed = (again.status == 201 and again.headers.get("idempotent-replayed") == "true"
                    and again.json()["tracking_number"] == number)
        report.check(f"idempotent replay through {there}", replayed,
                     f"the same key answered {again.status}, "
                     f"{again.json().get('tracking_number') if again.status == 201 else '-'}"
                     f", replayed={again.headers.get('idempotent-replayed')}")
    return numbers


def check_static(report: Report, servers: Sequence[str]) -> None:
    for server in servers:
        page = call(server, "GET", "/", headers={"Accept": "text/html"})
        found = re.search(rb'href="(/static/[^"]+\.css)"', page.body)
        if not report.check(f"home page from {server}", page.status == 200 and bool(found),
                            f"{page.status}, stylesheet {found[1].decode() if found else '-'}"):
            continue
        asset = call(server, "GET", found[1].decode(), headers={"Accept": "text/css"})
        caching = asset.headers.get("cache-control", "")
        report.check(f"static file from {server}",
                     asset.status == 200 and "immutable" in caching,
                     f"{asset.status}, {len(asset.body)} bytes, Cache-Control: {caching}")


def check_replica(report: Report, servers: Sequence[str], app_names: Sequence[str]) -> None:
    from django.db import connection

    # Each server is asked a question no one asked before (its own start date), so that it
    # computes the figures itself: a question another process already answered is read
    # from the shared cache, and reads nothing through the replica.
    def pages(n: int) -> dict[str, str]:
        day = dt.date(2000, 1, 1) + dt.timedelta(days=n)
        return {f"/api/v1/stats/?received_after={day}": "application/json",
                f"/statistik/?received_after={day}": "text/html"}

    answers = [(server, path, call(server, "GET", path, headers={"Accept": accept}))
               for n, server in enumerate(servers) for path, accept in pages(n).items()]
    bad = [f"{server}{path}: {a.status}" for server, path, a in answers if a.status != 200]
    report.check("statistics from every server", not bad,
                 "; ".join(bad) or f"{len(answers)} requests, all 200")
    if not app_names or connection.vendor != "postgresql":
        report.say("  ----  read replica: the servers' connections are not named "
                   "(--app-name); not checked")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT application_name, count(*) FROM pg_stat_activity "
                       "WHERE datname = current_database() GROUP BY 1 ORDER BY 1")
        held = dict(cursor.fetchall())
    report.say("  ----  connections, by name: "
               + ", ".join(f"{name or '(unnamed)'} {count}" for name, count in held.items()))
    # Named by server, so that the SLA workers' own replica connections do not count.
    missing = [f"{server} ({name}-replica)" for server, name in zip(servers, app_names)
               if not held.get(f"{name}-replica")]
    report.check("statistics read through the replica by every server", not missing,
                 f"no replica connection from {', '.join(missing)}" if missing else
                 f"each of the {len(servers)} servers holds a connection to the replica")


def check_statistics_limit(report: Report, servers: Sequence[str]) -> None:
    from django.conf import settings
    from django.db import connections, transaction

    from config.routers import domain_reads, reading_from_replica
    from workflow.stats import PUBLIC_COMPUTATIONS

    # The slots are taken on the database that computes, as the statistics' reads choose it.
    with reading_from_replica():
        alias = domain_reads()
    if connections[alias].vendor != "postgresql":
        report.say("  ----  statistics limit across servers: PostgreSQL only; not checked")
        return
    # Questions no one asked: not those of check_replica.
    paths = [f"/api/v1/stats/?received_after={dt.date(2001, 1, 1) + dt.timedelta(days=n)}"
             for n in range(len(servers))]

    def ask() -> list[tuple[str, Answer]]:
        return [(server, call(server, "GET", path)) for server, path in zip(servers, paths)]

    slots = settings.STATISTICS_COMPUTATIONS
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        for slot in range(slots):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [PUBLIC_COMPUTATIONS.lock_class, slot])
        busy = ask()
    free = ask()
    told = [f"{server}: {a.status}" for server, a in busy
            if a.status != 503 or b"statistics_busy" not in a.body]
    report.check(f"new statistics questions wait while the database's {slots} slot(s) are "
                 "held", not told, "; ".join(told) or
                 f"each of the {len(servers)} servers answered 503 statistics_busy")
    refused = [f"{server}: {a.status}" for server, a in free if a.status != 200]
    report.check("and are answered once the slots are free", not refused,
                 "; ".join(refused) or f"{len(free)} requests, all 200")


@contextmanager
def api_token(user: Any) -> Iterator[dict[str, str]]:
    """The Authorization header of an API token issued to `user` for the check, revoked
    when the block ends."""
    from api.models import ApiToken

    token, secret = ApiToken.issue(user, "make serve-prod check")
    try:
        yield {"Authorization": f"Token {secret}"}
    finally:
        token.delete()


def check_exports(report: Report, servers: Sequence[str], numbers: Sequence[str]) -> None:
    from complaints.models import Membership
    from workflow.states import Role

    ombudsman = Membership.objects.filter(role=Role.OMBUDSMAN).select_related("user").first()
    if ombudsman is None:
        report.say("  ----  exports: no ombudsman account to export with; skipped")
        return
    with api_token(ombudsman.user) as auth:
        for server in servers:
            export = call(server, "GET", "/api/v1/exports/complaints.csv",
                          headers={**auth, "Accept": "text/csv"})
            missing = [n for n in numbers if n.encode() not in export.body]
            rows = export.body.count(b"\n") - 1  # after the header
            report.check(f"export from {server}", export.status == 200 and not missing,
                         f"{export.status}, {rows} rows"
                         + (f"; missing {missing}" if missing else
                            ", with every complaint submitted to any server"))
            verified = [call(server, "GET", f"/api/v1/complaints/{n}/events/verify/",
                             headers=auth) for n in numbers]
            broken = [f"{n}: {a.status} {a.body[:120]!r}" for n, a in zip(numbers, verified)
                      if a.status != 200 or a.json().get("ok") is not True]
            report.check(f"audit chains verified by {server}", not broken,
                         "; ".join(broken) or f"{len(numbers)} complaints, each chain ok")
            followed, failed = follow_feed(server, auth)
            unseen = [n for n in numbers if n not in followed]
            report.check(f"change feed followed from {server}", not unseen and not failed,
                         f"{sum(followed.values())} events of {len(followed)} complaints"
                         + (f"; then {failed}" if failed else "")
                         + (f"; nothing of {unseen}" if unseen else
                            ", the submissions to every server among them"))


def follow_feed(server: str, headers: dict[str, str]) -> tuple[Counter[str], str]:
    """The change feed read from its start to its end, as an ombudsman's client does:
    events per tracking number, and what went wrong ("" if nothing)."""
    events: Counter[str] = Counter()
    after = ""
    while True:
        page = call(server, "GET", "/api/v1/exports/events.jsonl?limit=10000"
                    + (f"&after={after}" if after else ""),
                    headers={**headers, "Accept": "application/x-ndjson"})
        if page.status != 200:
            return events, f"{page.status} {page.body[:120]!r}"
        lines = [json.loads(line) for line in page.body.splitlines() if line.strip()]
        events.update(line["tracking_number"] for line in lines if "tracking_number" in line)
        if len(lines) <= 1 or lines[-1].get("next_cursor") in (None, after):
            return events, ""
        after = lines[-1]["next_cursor"]


def check_statement_timeout(report: Report, servers: Sequence[str], numbers: Sequence[str],
                            seconds: int) -> None:
    """A write that waits on a row this process holds: each server's statement timeout
    cancels it, answered 503 `query_timeout`; nothing of it is kept, and once the row is free
    the same write goes through."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction

    from complaints.models import Agency, Complaint, Membership
    from workflow.states import Role

    if not seconds or connection.vendor != "postgresql" or not numbers:
        report.say("  ----  statement timeout: no timeout given, or no complaint; not checked")
        return
    complaint = Complaint.objects.get(tracking_number=numbers[0])
    coordinator = (Membership.objects.filter(role=Role.COORDINATOR, agency=complaint.agency_id)
                   .select_related("user").first())
    unit = Agency.objects.filter(parent=complaint.agency_id).order_by("code").first()
    if coordinator is None or unit is None:
        report.say("  ----  statement timeout: no coordinator or unit to assign with; skipped")
        return
    with api_token(coordinator.user) as auth:
        path = f"/api/v1/complaints/{complaint.tracking_number}/transitions/assign/"

        def assign(server: str) -> tuple[Answer, float]:
            began = time.monotonic()
            try:
                answer = call(server, "POST", path, {"unit": unit.code},
                              auth, timeout=seconds + 10)
            except TimeoutError:
                answer = Answer(0, {}, b"no answer")
            return answer, time.monotonic() - began

        events = complaint.events.count()
        with transaction.atomic():
            Complaint.objects.select_for_update().get(pk=complaint.pk)
            with ThreadPoolExecutor(len(servers)) as pool:
                held = list(pool.map(assign, servers))
        wrong = [f"{server}: {answer.status} after {took:.1f} s {answer.body[:120]!r}"
                 for server, (answer, took) in zip(servers, held, strict=True)
                 if answer.status != 503 or b'"query_timeout"' not in answer.body
                 or answer.headers.get("retry-after") != "30"
                 or not seconds <= took < seconds + 10]
        report.check(f"a write held up on a locked row is cancelled by the servers' "
                     f"{seconds} s statement timeout", not wrong, "; ".join(wrong) or
                     f"each of the {len(servers)} servers answered 503 query_timeout after "
                     + ", ".join(f"{took:.1f}" for _, took in held) + " s")
        after = Complaint.objects.get(pk=complaint.pk)
        report.check("and nothing of it is kept",
                     after.state == complaint.state and after.events.count() == events,
                     f"{complaint.tracking_number} is {after.state} with "
                     f"{after.events.count()} events (was {complaint.state}, {events})")
        again, _ = assign(servers[-1])
        assigned = again.status == 200 and again.json().get("state") == "assigned"
        report.check("the same write once the row is free", assigned,
                     f"{servers[-1]}: {again.status}"
                     + (f", state {again.json().get('state')}" if again.status == 200 else ""))


# --- the workers --------------------------------------------------------------------------

def outstanding() -> int:
    """Work the workers have not done yet: mail due, clocks due or at their warning."""
    from django.utils import timezone

    from workflow.models import SWEEP_DUE, SWEEP_WARN, Clock, Notification

    now = timezone.now()
    return (Notification.objects.filter(status="pending", next_attempt_at__lte=now).count()
            + Clock.objects.filter(SWEEP_DUE, due_at__lt=now).count()
            + Clock.objects.filter(SWEEP_WARN, warn_at__lte=now).count())


def wait_for(condition: Callable[[], int], timeout: float) -> int:
    """Poll until `condition()` is 0 or the time is up; returns its last value."""
    deadline = time.monotonic() + timeout
    while (left := condition()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return left


def submit_batch(service_code: str, count: int) -> list[int]:
    """`count` complaints through the workflow's one write path, committed together."""
    from django.db import transaction
    from django.utils import timezone

    from complaints.models import Service
    from workflow.permissions import Actor
    from workflow.services import complaint_submit

    service = Service.objects.get(code=service_code)
    now = timezone.now()
    with transaction.atomic():
        return [complaint_submit(
            actor=Actor(kind="citizen"), service=service, now=now,
            title=f"Cek sweeper {n + 1}", description="Pengaduan uji untuk pekerja SLA.",
            reporter={"name": f"Warga Uji {n + 1}", "email": f"warga{n + 1}@example.id"},
        ).complaint.pk for n in range(count)]


def make_overdue(ids: Sequence[int]) -> int:
    """Move every running `verify` deadline of these complaints a day into the past, in
    one statement, so that they all fall due at the same moment."""
    import datetime as dt

    from django.utils import timezone

    from workflow.models import Clock
    from workflow.states import ClockName

    deadline = timezone.now() - dt.timedelta(days=1)
    return Clock.objects.filter(complaint_id__in=ids, name=ClockName.VERIFY,
                                stopped_at__isnull=True, breached_at__isnull=True).update(
        due_at=deadline, warn_at=deadline - dt.timedelta(hours=1))


def check_workers(report: Report, service: str, due: int, logs: Sequence[Path]) -> None:
    report.say("  ....  waiting for the workers to be idle")
    left = wait_for(outstanding, 60)
    report.check("workers idle before the batch", left == 0, f"{left} item(s) outstanding")
    offsets = {log: _size(log) for log in logs}
    began = time.monotonic()
    ids = submit_batch(service, due)
    report.say(f"  ....  {len(ids)} complaints submitted in {time.monotonic() - began:.1f} s; "
               f"their acknowledgements are being mailed")
    wait_for(outstanding, 60)
    moved = make_overdue(ids)
    began = time.monotonic()
    left = wait_for(lambda: _sweep_left(ids), SWEEP_TIMEOUT)
    report.check("overdue batch swept", left == 0,
                 f"{moved} verify deadlines moved into the past, swept and mailed in "
                 f"{time.monotonic() - began:.1f} s; {left} item(s) left")
    _check_once(report, ids, moved)
    if logs:
        _check_sharing(report, ids, {log: _read_from(log, offsets[log]) for log in logs})


def _sweep_left(ids: Sequence[int]) -> int:
    from workflow.models import Clock, Notification
    from workflow.states import ClockName

    return (Clock.objects.filter(complaint_id__in=ids, name=ClockName.VERIFY,
                                 breached_at__isnull=True).count()
            + Notification.objects.filter(event__complaint_id__in=ids,
                                          status="pending").count())


def _check_once(report: Report, ids: Sequence[int], moved: int) -> None:
    from django.db.models import Count, F

    from workflow.models import Clock, Event, Notification

    breaches = Event.objects.filter(complaint_id__in=ids, action="clock_breached")
    twice = (breaches.values("complaint_id", "payload__clock", "payload__cycle")
             .annotate(n=Count("id")).filter(n__gt=1).count())
    wrong_time = (Clock.objects.filter(complaint_id__in=ids, breached_at__isnull=False)
                  .exclude(breached_at=F("due_at")).count())
    report.check("each clock breached exactly once", breaches.count() == moved and not twice
                 and not wrong_time,
                 f"{breaches.count()} clock_breached events for {moved} overdue clocks; "
                 f"{twice} recorded twice; {wrong_time} recorded at another time than the "
                 f"deadline")
    mail = Notification.objects.filter(event__complaint_id__in=ids)
    not_once = mail.exclude(status="sent", attempts=1).count()
    doubled = (mail.values("event_id", "recipient").annotate(n=Count("id"))
               .filter(n__gt=1).count())
    escalations = mail.filter(event__action="clock_breached").count()
    report.check("each mail sent exactly once", mail.exists() and not not_once and not doubled,
                 f"{mail.count()} outbox rows ({escalations} escalations); {not_once} not "
                 f"sent at the first attempt; {doubled} queued twice")


def _check_sharing(report: Report, ids: Sequence[int], texts: dict[Path, str]) -> None:
    """From the workers' own logs: who breached how many, who mailed what."""
    from workflow.models import Notification

    batch_mail = set(Notification.objects.filter(event__complaint_id__in=ids)
                     .values_list("pk", flat=True))
    breached, mailed = {}, {}
    for log, text in texts.items():
        breached[log] = sum(_counts(m).get("breached", 0) for m in SWEEP_LINE.findall(text))
        mailed[log] = Counter(int(pk) for pk in MESSAGE_ID.findall(text)
                              if int(pk) in batch_mail)
    for n, log in enumerate(texts, start=1):
        report.say(f"  ....  worker {n} ({log.name}): {breached[log]} breaches recorded, "
                   f"{sum(mailed[log].values())} mails handed over")
    everywhere = sum(mailed.values(), Counter())
    if everywhere:
        twice = [pk for pk, n in everywhere.items() if n > 1]
        report.check("no mail handed over twice", not twice and set(everywhere) == batch_mail,
                      f"{len(everywhere)} of {len(batch_mail)} mails in the workers' logs, "
                      f"{len(twice)} of them more than once")
    else:
        report.say("  ----  mail is not written to the workers' logs (EMAIL_BACKEND is not "
                   "the console): checked in the outbox only")
    idle = [log.name for log in texts if not breached[log] and not mailed[log]]
    report.check("the workers shared the work", not idle and len(texts) > 1,
                 f"breaches per worker {[breached[log] for log in texts]}, mails per worker "
                 f"{[sum(mailed[log].values()) for log in texts]}"
                 + (f"; idle: {', '.join(idle)}" if idle else ""))


def _counts(shown: str) -> dict[str, int]:
    # The worker logs `dict(counter)`'s repr: {'breached': 200, 'warned': 3}.
    return {k: int(v) for k, v in re.findall(r"'(\w+)': (\d+)", shown)}


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def check_audit(report: Report) -> None:
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
        detail = out.getvalue().strip()
    except CommandError as error:
        detail = f"{error}; {out.getvalue().strip().splitlines()[0]}"
    report.check("audit chains verify", detail.startswith("OK"), detail)


# --- all of it ------------------------------------------------------------------------------

def run(servers: Sequence[str], worker_logs: Sequence[Path], *, due: int = DEFAULT_DUE,
        app_names: Sequence[str] = (), statement_timeout: int = 0,
        out: TextIO = sys.stdout) -> Report:
    report = Report(out)
    report.say(f"Checking {len(servers)} app servers and {len(worker_logs)} SLA workers")
    service = check_servers(report, servers)
    if service is None:
        report.check("a service to complain about", False, "no app server lists a service")
        return report
    numbers = check_shared_writes(report, servers, service)
    check_static(report, servers)
    check_replica(report, servers, app_names)
    check_statistics_limit(report, servers)
    check_exports(report, servers, numbers)
    check_statement_timeout(report, servers, numbers, statement_timeout)
    check_workers(report, service, due, worker_logs)
    check_audit(report)
    report.say(report.summary())
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cooperation",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", action="append", required=True,
                        help="an app server's base URL, e.g. http://127.0.0.1:8001 (repeat)")
    parser.add_argument("--app-name", action="append", default=[],
                        help="the DB_APPLICATION_NAME of each --server, in the same order: "
                             "then each must have read the statistics through the replica")
    parser.add_argument("--worker-log", action="append", type=Path, default=[],
                        help="an SLA worker's log (LOG_LEVEL=INFO), to see who did what "
                             "(repeat)")
    parser.add_argument("--due", type=int, default=DEFAULT_DUE,
                        help=f"complaints to make overdue at once (default {DEFAULT_DUE})")
    parser.add_argument("--statement-timeout", type=int, default=0,
                        help="the DB_STATEMENT_TIMEOUT the servers were started with "
                             "(seconds): then a write held up longer must be cancelled")
    args = parser.parse_args(argv)
    if args.app_name and len(args.app_name) != len(args.server):
        parser.error("give one --app-name for each --server, or none")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    report = run(args.server, args.worker_log, due=args.due, app_names=args.app_name,
                 statement_timeout=args.statement_timeout)
    return 0 if not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
