"""The benchmarks: `python -m bench.run --complaints N` against a database filled by
`bench.generate` (DATABASE_URL). Prints one table and writes bench/results/<date>-<N>.json.

Exit status: 0 when everything ran, 1 on a real error (an exception, an HTTP error, a pass
that left work undone, a wrong record count) or a query-count violation. A missed timing or
memory target is reported but fails the run only with --strict: timing on a shared machine
is noisy, and CI runs the small preset (docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import django

from bench import explain, measure
from bench.measure import BenchError, Result, guarded
from bench.server import ROOT, Client, Gunicorn

RESULTS = ROOT / "bench" / "results"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, required=True,
                        help="the N the database was generated with (checked)")
    parser.add_argument("--strict", action="store_true",
                        help="also fail (exit 3) when a timing or memory target is missed")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["queries", "latency", "feed", "exports", "statistics",
                                 "questions", "attachments", "load", "mix", "actions",
                                 "pages", "sweep"],
                        help="leave out a group of benchmarks (repeatable)")
    parser.add_argument("--db-rtt", type=float, default=0.0, metavar="MS",
                        help="the app servers' round trips to PostgreSQL take MS longer, as "
                             "across a network (bench/network.py)")
    parser.add_argument("--pgbouncer", type=int, default=0, metavar="POOL",
                        help="the app servers reach PostgreSQL through PgBouncer in "
                             "transaction pooling, POOL server connections, prepared "
                             "statements off (bench/pgbouncer.py)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers of the app server (default 2)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of each gunicorn worker (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args(argv)


class Scale:
    """How much of each benchmark to run at N complaints."""

    def __init__(self, n: int) -> None:
        large = n >= 200_000
        self.latency_repeats, self.latency_warmup = (25, 5)
        self.export_repeats = 1 if large else 3
        self.subset_repeats = 3
        self.statistics_repeats = 3
        # How long the figures are kept while they are loaded: a few times a computation of
        # everything (3–5 s at 1M), so that they expire several times in a run.
        self.statistics_fresh = 10 if large else 2
        self.feed_events = 300_000
        self.feed_repeats = 3
        self.feed_seconds = 60.0 if large else 20.0  # at most, per repeat
        self.load_seconds = 10.0 if large else 5.0
        self.load_rounds = 3
        self.concurrency = 6
        self.action_repeats = 30 if large else 10
        self.page_repeats = 3
        self.attachment_repeats = 3
        self.due = min(10_000, max(100, n // 100))
        self.sweep_base = 20_000 if large else max(n // 10, 1_000)
        self.sweep_repeats = 2 if self.due > 2_000 else 3


# --- setting the stage -----------------------------------------------------------------------

def database_url(name: str) -> str:
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def one(sql: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return row[0] if row and len(row) == 1 else row


def subjects() -> dict[str, Any]:
    """Who is measured: the busiest officer, the coordinator of the agency with the most new
    complaints, the ombudsman; the officer's complaint with the longest timeline; and the
    complaints the transition load works on."""
    from django.contrib.auth import get_user_model

    from api.models import ApiToken
    from complaints.models import Agency, Complaint, Membership

    User = get_user_model()
    officer = User.objects.get(pk=one(
        "SELECT assignee_id FROM complaints_complaint WHERE state IN ('assigned', 'responded')"
        " AND assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"))
    agency = Agency.objects.get(pk=one(
        "SELECT agency_id FROM complaints_complaint WHERE state = 'received' "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"))
    coordinator = (Membership.objects.filter(role="coordinator", agency=agency)
                   .order_by("user_id").first().user)
    ombudsman = Membership.objects.filter(role="ombudsman").order_by("user_id").first().user
    detail = one(
        "SELECT c.tracking_number FROM complaints_complaint c WHERE c.assignee_id = %s AND "
        "c.state = 'assigned' ORDER BY (SELECT count(*) FROM workflow_event e "
        "WHERE e.complaint_id = c.id) DESC, c.id LIMIT 1", [officer.pk])
    tokens = {who: ApiToken.issue(user, "bench")[1] for who, user in
              (("officer", officer), ("coordinator", coordinator), ("ombudsman", ombudsman))}
    # Transitions: the coordinator's assigned complaints, each reassigned in turn between
    # two officers of its own unit.
    officers: dict[int, list[str]] = {}
    for unit_id, username in (Membership.objects.filter(role="officer",
                                                        agency__parent=agency)
                              .order_by("agency_id", "user__username")
                              .values_list("agency_id", "user__username")):
        officers.setdefault(unit_id, []).append(username)
    pool = [(number, code, officers[unit][:2]) for number, code, unit in
            Complaint.objects.filter(agency=agency, state="assigned")
            .order_by("id").values_list("tracking_number", "unit__code", "unit_id")[:1200]]
    return {"officer": officer, "coordinator": coordinator, "ombudsman": ombudsman,
            "agency": agency, "detail": detail, "tokens": tokens, "pool": pool,
            "services": list(agency.services.order_by("code").values_list("code", flat=True))}


def signed_in(user: Any) -> str:
    """A signed-in session of `user` (its cookie's value), as the login page makes."""
    from django.test import Client as DjangoClient

    client = DjangoClient()
    client.force_login(user)
    return client.cookies["sessionid"].value


def sessions(people: dict[str, Any]) -> dict[str, str]:
    """A signed-in session for each staff subject, and the session of a citizen who opened
    the measured complaint with its number and access code (checked: a session that may not
    open it would be shown the lookup form, with 200 too)."""
    from importlib import import_module

    from django.conf import settings
    from django.test import Client as DjangoClient
    from django.utils.html import escape

    from complaints.models import Complaint
    from complaints.views.citizen import SESSION_COMPLAINTS

    citizen = import_module(settings.SESSION_ENGINE).SessionStore()
    citizen[SESSION_COMPLAINTS] = [people["detail"]]
    citizen.create()
    client = DjangoClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = citizen.session_key
    page = client.get(f"/lacak/{people['detail']}/").content.decode()
    if escape(Complaint.objects.get(tracking_number=people["detail"]).title) not in page:
        raise BenchError("the citizen's session does not open the measured complaint")
    return {**{who: signed_in(people[who]) for who in ("officer", "coordinator")},
            "citizen": citizen.session_key}


def officers_signed_in(agency: Any) -> tuple[list[str], int]:
    """A signed-in session for every officer of the agency's units, and how many different
    sets of complaints they may see between them: one per unit, and one more for each
    officer with a complaint assigned outside their units."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from complaints.models import Membership

    units: dict[int, set[int]] = {}
    for user_id, unit_id in Membership.objects.filter(
            role="officer", agency__parent=agency).values_list("user_id", "agency_id"):
        units.setdefault(user_id, set()).add(unit_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.assignee_id FROM complaints_complaint c WHERE c.assignee_id = "
            "ANY(%s) AND NOT EXISTS (SELECT 1 FROM complaints_membership m WHERE m.user_id = "
            "c.assignee_id AND m.agency_id = c.unit_id)", [list(units)])
        elsewhere = {user_id for (user_id,) in cursor.fetchall()}
    cookies = [signed_in(user)
               for user in get_user_model().objects.filter(pk__in=units).order_by("pk")]
    shared = {frozenset(mine) for user_id, mine in units.items() if user_id not in elsewhere}
    return cookies, len(shared) + len(elsewhere)


def ensure_sweep_base(name: str, anchor: str, seed: int, total: int, env: dict[str, str]
                      ) -> dict[str, str]:
    """A second, small world for the sweeper's baseline: `total` complaints, most of them
    open, generated with the same anchor and seed."""
    import psycopg

    from bench.generate import conninfo

    base_env = {**env, "DATABASE_URL": database_url(name)}
    info = {**conninfo(), "dbname": "postgres"}
    with psycopg.connect(**info, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psycopg.connect(**{**info, "dbname": name}) as conn:
            found = conn.execute("SELECT value::text FROM bench_meta WHERE key = 'generate'"
                                 ).fetchone()
        meta = json.loads(found[0]) if found else {}
        if meta.get("anchor") == anchor and meta.get("complaints") == total:
            return base_env
        with psycopg.connect(**info, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}"')
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    for command in (["manage.py", "migrate", "--noinput", "-v0"],
                    ["-m", "bench.generate", "--complaints", str(total), "--open-fraction",
                     "0.75", "--anchor", anchor, "--seed", str(seed)]):
        done = subprocess.run([sys.executable, *command], cwd=ROOT, env=base_env,
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(command)}: {done.stderr[-2000:]}")
    return base_env


# --- the benchmarks --------------------------------------------------------------------------

def run_queries(people: dict[str, Any]) -> list[Result]:
    from django.test import Client as DjangoClient

    results = []
    for who, query in (("officer", "assignee=me&state=assigned&state=responded"),
                       ("coordinator", f"agency={people['agency'].code}&state=received")):
        auth = {"HTTP_AUTHORIZATION": f"Token {people['tokens'][who]}"}
        paths = [f"/api/v1/complaints/?{query}&page_size={size}" for size in (10, 50)]
        results.append(measure.query_count_result(f"queue.{who} API queries",
                                                  DjangoClient(), paths, 8, **auth))
        staff = DjangoClient()
        staff.force_login(people[who])
        tab = "mine" if who == "officer" else "new"
        results.append(measure.query_count_result(f"queue.{who} staff page queries", staff,
                                                  [f"/staff/?tab={tab}"], 8))
    return results


def baselines(people: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """The minimal views' requests: each queue's indexed SELECT of 50 rows, and one row."""
    officer, agency = people["officer"], people["agency"]
    return {
        "officer": (f"/bench/baseline/list/officer/?assignee_id={officer.pk}"
                    "&state[]=assigned&state[]=responded", {}),
        "coordinator": (f"/bench/baseline/list/coordinator/?agency_id={agency.pk}"
                        "&state=received", {}),
        "detail": (f"/bench/baseline/one/{people['detail']}/", {}),
    }


def staff_pages(people: dict[str, Any], cookies: dict[str, str]
                ) -> dict[str, tuple[str, dict[str, str]]]:
    """The staff pages the latency group holds to 3×, each with its person's session."""
    page = {who: {"Cookie": f"sessionid={cookies[who]}"} for who in cookies}
    return {"officer": ("/staff/?tab=mine", page["officer"]),
            "coordinator": ("/staff/?tab=new", page["coordinator"]),
            "detail": (f"/staff/complaints/{people['detail']}/", page["officer"])}


def latency_cases(people: dict[str, Any], cookies: dict[str, str]
                  ) -> list[tuple[str, measure.Req, measure.Req]]:
    """What the latency group measures: each list, page and complaint, with its baseline."""
    agency = people["agency"]
    api = {who: {"Authorization": f"Token {people['tokens'][who]}"}
           for who in ("officer", "coordinator")}
    base, pages = baselines(people), staff_pages(people, cookies)
    return [
        ("queue.officer API", ("/api/v1/complaints/?assignee=me&state=assigned"
                               "&state=responded&page_size=50", api["officer"]),
         base["officer"]),
        ("queue.coordinator API", (f"/api/v1/complaints/?agency={agency.code}&state=received"
                                   "&page_size=50", api["coordinator"]), base["coordinator"]),
        ("queue.officer staff page", pages["officer"], base["officer"]),
        ("queue.coordinator staff page", pages["coordinator"], base["coordinator"]),
        ("detail API", (f"/api/v1/complaints/{people['detail']}/", api["officer"]),
         base["detail"]),
        ("detail staff page", pages["detail"], base["detail"]),
    ]


def run_latency(client: Client, people: dict[str, Any], cookies: dict[str, str],
                scale: Scale) -> list[Result]:
    results = []
    for name, app, baseline in latency_cases(people, cookies):
        results += guarded(name, lambda: measure.latency(
            name, client, app, baseline, scale.latency_repeats, scale.latency_warmup))
    return results


def load_specs(people: dict[str, Any], concurrency: int) -> dict[str, list[list[dict]]]:
    services = people["services"]

    def submission(i: int) -> dict[str, Any]:
        body = {"service": services[i % len(services)],
                "title": "Jalan berlubang di depan sekolah {n}",
                "description": "Lubang besar sudah dua minggu tidak diperbaiki dan "
                               "membahayakan pengendara. Mohon segera ditangani.",
                "visibility": "public", "location_text": "Jl. Merdeka No. 12",
                "reporter": {"name": "Siti Rahayu", "email": "siti@example.id",
                             "consent_to_share": False}}
        return {"body": json.dumps(body), "headers": {"Content-Type": "application/json"},
                "method": "POST"}

    pool = people["pool"]
    if len(pool) < concurrency:
        raise BenchError(f"only {len(pool)} assigned complaints to reassign")
    auth = {"Authorization": f"Token {people['tokens']['coordinator']}",
            "Content-Type": "application/json"}
    transitions = []
    for t in range(concurrency):
        mine = pool[t::concurrency]
        transitions.append([
            {"method": "POST", "path": f"/api/v1/complaints/{number}/transitions/reassign/",
             "headers": auth, "body": json.dumps({"unit": unit, "assignee": officers[k % 2]})}
            for k in range(2) for number, unit, officers in mine])
    def open311(i: int) -> dict[str, Any]:
        # A GeoReport v2 client: form-encoded, with the reporter's address and name.
        body = urllib.parse.urlencode({
            "service_code": services[i % len(services)], "lat": "-3.9778", "long": "122.5151",
            "address_string": "Jl. Merdeka No. 12", "email": "siti@example.id",
            "first_name": "Siti", "last_name": "Rahayu",
            "description": "Lubang besar di depan sekolah, sudah dua minggu. Nomor"})
        body += "+{n}"  # after encoding, which would have escaped the braces
        return {"method": "POST", "path": "/open311/v2/requests.json", "body": body,
                "headers": {"Content-Type": "application/x-www-form-urlencoded"}}

    return {
        "insert": [[{**submission(t), "path": "/bench/baseline/insert/"}]
                   for t in range(concurrency)],
        "submit": [[{**submission(t), "path": "/api/v1/complaints/"}]
                   for t in range(concurrency)],
        "reassign": transitions,
        "open311": [[open311(t)] for t in range(concurrency)],
    }


def read_specs(people: dict[str, Any], cookies: dict[str, str], concurrency: int
               ) -> dict[str, list[list[dict]]]:
    """Every client in turn opens the officer's queue, the coordinator's and a complaint:
    the staff pages, or the minimal views of the same reads."""
    def mix(requests: dict[str, tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
        return [{"method": "GET", "path": path, "headers": headers}
                for path, headers in requests.values()]

    return {"baselines": [mix(baselines(people))] * concurrency,
            "pages": [mix(staff_pages(people, cookies))] * concurrency}


# A peak hour's requests, per client and cycle of 20: staff working their queues and
# complaints (half of them), acting on them and reading them through the API, citizens
# filing and following complaints. Each is (kind, what it asks of the application, the
# minimal view its baseline sends instead: a list of 50, one row, an insert, or nothing).
MIX = (("officer queue", "officer", "officer"), ("complaint page", "detail", "detail"),
       ("track page", "track", "detail"), ("coordinator queue", "coordinator", "coordinator"),
       ("officer queue", "officer", "officer"), ("transition (API)", "reassign", "insert"),
       ("complaint page", "detail", "detail"), ("submission form", "form", "coordinator"),
       ("submission (API)", "submit", "insert"), ("track page", "track", "detail"),
       ("officer queue", "officer", "officer"), ("API list", "api", "officer"),
       ("complaint page", "detail", "detail"), ("home page", "home", "health"),
       ("coordinator queue", "coordinator", "coordinator"), ("events (API)", "events", "detail"),
       ("officer queue", "officer", "officer"), ("transition (API)", "reassign", "insert"),
       ("track page", "track", "detail"), ("complaint page", "detail", "detail"))


def mix_specs(people: dict[str, Any], cookies: dict[str, str], concurrency: int
              ) -> dict[str, list[list[dict]]]:
    """Each client goes through MIX, from its own place in it, a different complaint
    reassigned in each cycle; its baseline sends each request's minimal view instead. Every
    request takes gzip, as browsers and HTTP libraries do."""
    gzip = {"Accept-Encoding": "gzip"}
    loads = load_specs(people, concurrency)
    citizen = {"Cookie": f"sessionid={cookies['citizen']}"}
    ombudsman = {"Authorization": f"Token {people['tokens']['ombudsman']}"}
    reads = {**staff_pages(people, cookies), **{
        "track": (f"/lacak/{people['detail']}/", citizen),
        "form": ("/ajukan/", {}), "home": ("/", {}),
        "api": ("/api/v1/complaints/?assignee=me&state=assigned&state=responded"
                "&page_size=50", {"Authorization": f"Token {people['tokens']['officer']}"}),
        "events": (f"/api/v1/complaints/{people['detail']}/events/", ombudsman)}}
    minimal = {**baselines(people), "health": ("/bench/health/", {})}
    specs: dict[str, list[list[dict]]] = {"baselines": [], "mix": []}
    for t in range(concurrency):
        writes = {"submit": loads["submit"][t][0], "insert": loads["insert"][t][0]}
        reassigns = loads["reassign"][t]
        start = t * len(MIX) // concurrency
        rotated = MIX[start:] + MIX[:start]
        for spec, column, sources in (("mix", 1, reads), ("baselines", 2, minimal)):
            items = []
            for cycle in range(len(reassigns) // 2):
                moves = iter(reassigns[2 * cycle:2 * cycle + 2])
                for entry in rotated:
                    what = entry[column]
                    if what == "reassign":
                        item = next(moves)
                    elif what in writes:
                        item = writes[what]
                    else:
                        path, headers = sources[what]
                        item = {"method": "GET", "path": path, "headers": {**gzip, **headers}}
                    items.append({**item, "kind": entry[0]})
            specs[spec].append(items)
    return specs


def run_http(args: argparse.Namespace, env: dict[str, str], people: dict[str, Any],
             cookies: dict[str, str], scale: Scale, total: int, log: Path) -> list[Result]:
    from bench.generate import conninfo

    info = conninfo()
    pooler = None
    if args.pgbouncer:
        from django.db import connection

        from bench.pgbouncer import PgBouncer, server_of

        # Any database by its name; bench/settings.py's safety net set by PgBouncer, which
        # refuses libpq's options.
        pooler = PgBouncer(server_of(os.environ["DATABASE_URL"]),
                           {"*": "connect_query='SET statement_timeout = 900000'"},
                           log.with_suffix(".pgbouncer.log"), args.pgbouncer)
        pooler.start()
        env = {**env, "DATABASE_URL": pooler.url(connection.settings_dict["NAME"]),
               "DB_PREPARED_STATEMENTS": "0", "BENCH_POOLER": "1"}
    server = Gunicorn(workers=args.workers, threads=args.threads)
    server.start(env, log)
    client = Client(server.port)
    results: list[Result] = []
    try:
        if "latency" not in args.skip:
            results += run_latency(client, people, cookies, scale)
        ombudsman = {"Authorization": f"Token {people['tokens']['ombudsman']}"}
        if "feed" not in args.skip:
            results += guarded("events feed", lambda: measure.feed(
                server.port, info, ombudsman, scale.feed_events, scale.feed_repeats,
                scale.feed_seconds))
        if "exports" not in args.skip:
            subset = max(1, total // 10)
            since = one("SELECT updated_at FROM complaints_complaint "
                        "ORDER BY updated_at DESC, id DESC OFFSET %s LIMIT 1", [subset - 1])
            rows = one("SELECT count(*) FROM complaints_complaint WHERE updated_at >= %s",
                       [since])
            results += guarded("exports", lambda: measure.exports(
                server, info, ombudsman, total, since.isoformat(), rows,
                scale.export_repeats, scale.subset_repeats))
        if "statistics" not in args.skip:
            results += guarded("statistics", lambda: measure.public_statistics(
                server, info, total, people["agency"], scale.statistics_repeats))
            results += guarded("statistics under load", lambda: measure.statistics_under_load(
                env, log, args.workers, args.threads, scale.statistics_fresh,
                scale.load_seconds * 4, scale.concurrency))
            results += guarded("first visitor", lambda: measure.first_visitor(
                env, log, args.workers, args.threads, scale.statistics_repeats))
            results += guarded("statistics page under load", lambda: (
                measure.statistics_page_under_load(env, log, args.workers, args.threads,
                                                   scale.load_seconds, scale.concurrency)))
            officers, scopes = officers_signed_in(people["agency"])
            results += guarded("dashboards at opening", lambda: measure.dashboards_at_opening(
                env, log, args.workers, args.threads, officers, scopes, scale.concurrency))
        if "questions" not in args.skip:
            results += guarded("new public questions", lambda: measure.new_public_questions(
                env, log, args.workers, args.threads,
                read_specs(people, cookies, scale.concurrency // 2)["pages"],
                scale.load_seconds * 4))
        if "attachments" not in args.skip:
            results += guarded("attachments", lambda: measure.attachments(
                server, people["services"][0], scale.attachment_repeats))
            results += guarded("attachments under load", lambda: measure.attachments_under_load(
                env, server.port, people["services"][0], scale.load_seconds, scale.load_rounds,
                scale.concurrency))
        if "load" not in args.skip:
            specs = load_specs(people, scale.concurrency)
            results += guarded("throughput", lambda: measure.throughput(
                env, server.port, scale.load_seconds, scale.load_rounds, specs,
                {"insert": [201], "submit": [201], "reassign": [200], "open311": [200]},
                "insert", {"submit": "submission over HTTP",
                           "reassign": "transitions (reassign) over HTTP",
                           "open311": "submission through Open311 over HTTP"},
                reported={"open311"}))
            results += guarded("read throughput", lambda: measure.throughput(
                env, server.port, scale.load_seconds, scale.load_rounds,
                read_specs(people, cookies, scale.concurrency),
                {"baselines": [200], "pages": [200]}, "baselines",
                {"pages": "staff pages over HTTP (queues of officer and coordinator, "
                          "a complaint)"}, limit=None))
        if "mix" not in args.skip:
            name = "a peak hour's mix over HTTP (staff pages and actions, citizens, the API)"
            mixed = guarded("peak-hour mix", lambda: measure.throughput(
                env, server.port, scale.load_seconds, scale.load_rounds,
                mix_specs(people, cookies, scale.concurrency),
                {"baselines": [200, 201], "mix": [200, 201]}, "baselines", {"mix": name},
                limit=None))
            results += mixed
            if mixed and mixed[0].measured and not mixed[0].error:
                # Four and sixteen times the clients: the rate should hold and the waits grow,
                # without a request refused (docs/performance.md, finding 41).
                results += guarded("peak-hour mix beyond capacity", lambda: (
                    measure.beyond_capacity(
                        env, server.port, scale.load_seconds, "the same mix",
                        mixed[0].measured, {n: mix_specs(people, cookies, n)["mix"]
                                            for n in (4 * scale.concurrency,
                                                      16 * scale.concurrency)})))
    finally:
        client.close()
        server.stop()
        if pooler is not None:
            pooler.stop()
    return results


# --- report ----------------------------------------------------------------------------------

def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("queries",):
        return f"{value:.0f}"
    if value >= 1000:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def table(results: list[Result]) -> str:
    rows = [("benchmark", "measured", "baseline", "ratio", "target", "result")]
    for r in results:
        verdict = ("ERROR" if r.error else "pass" if r.passed else "—" if r.passed is None
                   else "FAIL")
        rows.append((r.name, fmt(r.measured, r.unit), fmt(r.baseline, r.unit),
                     f"{r.ratio:.2f}×" if r.ratio is not None else "—", r.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    errors = [f"  {r.name}: {r.error}" for r in results if r.error]
    return "\n".join(lines + (["", "errors:"] + errors if errors else []))


SERVER_SETTINGS = ("server_version", "fsync", "synchronous_commit", "wal_sync_method",
                   "shared_buffers", "effective_cache_size", "work_mem", "jit",
                   "max_parallel_workers_per_gather")


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["memory_gb"] = round(int(Path("/proc/meminfo").read_text().split()[1]) / 2**20, 1)
        info["loadavg_start"] = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        pass
    # The server's settings that move every write's or read's time: a run with fsync off
    # (pg_virtualenv's default) and one with it on are different measurements.
    info["postgresql"] = dict(one(
        "SELECT json_object_agg(name, setting) FROM pg_settings WHERE name = ANY(%s)",
        [list(SERVER_SETTINGS)]))
    return info


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    os.environ.pop("BENCH_DB_RTT_MS", None)  # only the app servers get it, from --db-rtt
    django.setup()
    # The app servers log each computation of figures for statistics_under_load; the pages
    # this process opens itself (bench/pages.py) need not print theirs among the results.
    logging.getLogger("config.cache").setLevel(logging.WARNING)
    from django.db import connection

    from bench.queries import CREATE_PING

    if connection.vendor != "postgresql":
        print("bench.run needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 1
    meta = json.loads(one("SELECT value::text FROM bench_meta WHERE key = 'generate'"))
    total = one("SELECT count(*) FROM complaints_complaint")
    if meta["complaints"] != args.complaints:
        print(f"the database was generated with {meta['complaints']:,} complaints, not "
              f"{args.complaints:,}", file=sys.stderr)
        return 1
    began = time.perf_counter()
    scale = Scale(args.complaints)
    # The attachments' files go to a directory of the run's own, removed when it ends.
    media = tempfile.TemporaryDirectory(prefix="aduan-bench-media-")
    env = {**os.environ, "MEDIA_ROOT": media.name}
    if args.db_rtt:
        env["BENCH_DB_RTT_MS"] = str(args.db_rtt)
    with connection.cursor() as cursor:
        cursor.execute(CREATE_PING)
    people = subjects()
    cookies = sessions(people)
    stamp = dt.datetime.now(dt.UTC)
    host = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    log = Path(tempfile.gettempdir()) / f"aduan-bench-gunicorn-{os.getpid()}.log"
    print(f"bench.run: {total:,} complaints in the database ({args.complaints:,} generated, "
          f"anchor {meta['anchor']}); officer {people['officer'].username}, coordinator "
          f"{people['coordinator'].username}"
          + (f"; database round trips {args.db_rtt:g} ms longer" if args.db_rtt else "")
          + (f"; app servers through PgBouncer, {args.pgbouncer} server connections"
             if args.pgbouncer else ""),
          flush=True)
    results: list[Result] = []
    plans: dict[str, str] = {}
    if "queries" not in args.skip:
        results += guarded("query counts", lambda: run_queries(people))

        def explained() -> list[Result]:
            # The plans quoted in docs/performance.md: a run that cannot write them fails,
            # so that they are never silently missing from the results.
            plans.update(explain.plans({r.name: r.details.get("sql", []) for r in results
                                        if r.kind == "queries"},
                                       dt.datetime.fromisoformat(meta["anchor"])))
            return []
        results += guarded("EXPLAIN of the statements", explained)
    results += guarded("HTTP benchmarks", lambda: run_http(args, env, people, cookies, scale,
                                                           total, log))
    if "actions" not in args.skip:
        from bench.actions import workflow_actions

        results += guarded("workflow actions", lambda: workflow_actions(
            people["agency"], scale.action_repeats))
    if "pages" not in args.skip:
        from bench.pages import survey

        results += guarded("pages", lambda: survey(people, scale.page_repeats))
    if "sweep" not in args.skip:
        def sweep() -> Result:
            base_env = ensure_sweep_base(f"{connection.settings_dict['NAME']}_sweep_"
                                         f"{scale.sweep_base}", meta["anchor"], meta["seed"],
                                         scale.sweep_base, env)
            return measure.sweeps(env, base_env, scale.due, scale.sweep_repeats,
                                  scale.sweep_base)
        results += guarded("sla_sweep", sweep)
    print()
    print(table(results))
    from django.conf import settings

    report = {"complaints": args.complaints, "in_database": total, "generated": meta,
              "db_rtt_ms": args.db_rtt, "pgbouncer_pool": args.pgbouncer,
              "app_prepared_statements": bool(settings.POSTGRES_OPTIONS) and not args.pgbouncer,
              "workers": args.workers, "threads": args.threads,
              "machine": {**host, "loadavg_end": Path("/proc/loadavg").read_text().split()[:3]},
              "started_at": stamp.isoformat(timespec="seconds"),
              "seconds": time.perf_counter() - began,
              "results": [r.as_dict() for r in results], "explain": plans}
    path = args.out / f"{stamp:%Y-%m-%d}-{args.complaints}.json"
    path.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"({report['seconds']:.0f} s); gunicorn's log: {log}")
    errors = [r for r in results if r.error]
    violations = [r for r in results if r.kind == "queries" and r.passed is False]
    missed = [r for r in results if r.passed is False and r not in errors + violations]
    if errors or violations:
        print(f"FAILED: {len(errors)} errors, {len(violations)} query-count violations")
        return 1
    if missed:
        print(f"{len(missed)} timing/memory targets missed (reported; --strict fails on them)")
        return 3 if args.strict else 0
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
