"""Fill PostgreSQL with a national-scale Aduan: `python -m bench.generate --complaints N`.

30 agencies in three time zones (WIB, WITA, WIT), each with three units and ten services
(300, each with a standard carrying the default clocks), 1,500 officers, 60 coordinators,
90 supervisors, two ombudsman staff and an administrator; then N complaints (default
1,000,000) in every state and closure reason, with their clocks, hash-chained events,
reporters and feedback (bench/simulate.py decides what happened to each).

Reference data goes through the ORM (and `create_default_standard`); the bulk goes through
`COPY … FROM STDIN` from worker processes, with the secondary indexes of the bulk tables
dropped during the load and rebuilt after it (their definitions are kept in the table
`bench_dropped_indexes` until they are back, so an interrupted load can be repaired by
running the generator again). Deterministic: the same `--seed`, `--anchor`, N and
`--open-fraction` give the same rows, whatever `--jobs` is (only the `txid` of events — the
id of the loading transaction, as the change feed needs — differs between loads).

Needs an empty, migrated PostgreSQL database (DATABASE_URL) and
DJANGO_SETTINGS_MODULE=config.settings (or bench.settings).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import multiprocessing
import os
import random
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

import django

CHUNK = 10_000  # complaints per worker task (one random stream each): part of the seed
TXN_SIZE = 250  # complaints per loading transaction (events share its txid)
SMALL = 20_000
DEFAULT = 1_000_000
PASSWORD = "bench-password"  # every generated user's, for trying the pages by hand
BULK_TABLES = ("complaints_complaint", "workflow_clock", "workflow_event",
               "complaints_reporter", "complaints_feedback")
COLUMNS = {
    "complaints_complaint": (
        "id, tracking_number, access_token_hash, channel, visibility, classification, title, "
        "description, location_text, latitude, longitude, state, complexity, "
        "pending_info_request, response, dispute_count, closure_reason, rejection_reason, "
        "referred_to_agency, received_at, assigned_at, first_answered_at, responded_at, "
        "closed_at, created_at, updated_at, agency_id, assignee_id, duplicate_of_id, "
        "referred_to_id, unit_id, service_id, standard_id, next_due"),
    "workflow_clock": (
        "id, name, cycle, duration, unit, warning_fraction, pausable, ceiling, started_at, "
        "due_at, warn_at, paused_at, paused_seconds, stopped_at, extended_by, "
        "extension_reason, warned_at, breached_at, complaint_id"),
    "workflow_event": (
        "id, seq, action, actor_label, role, occurred_at, from_state, to_state, payload, "
        "prev_hash, hash, txid, actor_id, complaint_id"),
    "complaints_reporter": (
        "id, name, email, phone, id_number, address, consent_to_share, created_at, "
        "complaint_id"),
    "complaints_feedback": "id, rating, comment, created_at, complaint_id",
}

# (city, latitude, longitude) per zone: ten top-level agencies in each.
CITIES = {
    "Asia/Jakarta": (("Jakarta", -6.2, 106.8), ("Bandung", -6.9, 107.6),
                     ("Surabaya", -7.25, 112.75), ("Semarang", -6.97, 110.42),
                     ("Medan", 3.59, 98.67), ("Palembang", -2.98, 104.75),
                     ("Yogyakarta", -7.8, 110.37), ("Pekanbaru", 0.51, 101.45),
                     ("Pontianak", -0.03, 109.33), ("Padang", -0.95, 100.35)),
    "Asia/Makassar": (("Makassar", -5.14, 119.42), ("Denpasar", -8.65, 115.22),
                      ("Balikpapan", -1.27, 116.83), ("Mataram", -8.58, 116.12),
                      ("Kupang", -10.17, 123.6), ("Manado", 1.47, 124.84),
                      ("Palu", -0.9, 119.87), ("Samarinda", -0.5, 117.15),
                      ("Banjarmasin", -3.32, 114.59), ("Kendari", -3.97, 122.51)),
    "Asia/Jayapura": (("Jayapura", -2.53, 140.72), ("Ambon", -3.7, 128.18),
                      ("Sorong", -0.88, 131.26), ("Manokwari", -0.86, 134.06),
                      ("Merauke", -8.49, 140.4), ("Ternate", 0.79, 127.38),
                      ("Timika", -4.55, 136.89), ("Biak", -1.18, 136.08),
                      ("Nabire", -3.37, 135.5), ("Tual", -5.63, 132.75)),
}
UNITS = (("layanan", "Bidang Pelayanan Kependudukan dan Perizinan",
          ("kependudukan", "perizinan", "pajak")),
         ("infrastruktur", "Bidang Infrastruktur dan Lingkungan",
          ("perhubungan", "pekerjaan_umum", "lingkungan", "air_bersih")),
         ("kesejahteraan", "Bidang Kesejahteraan Sosial", ("kesehatan", "pendidikan", "sosial")))
SERVICE_NAMES = {
    "kependudukan": "Administrasi Kependudukan", "perizinan": "Perizinan Berusaha",
    "pajak": "Pajak Daerah", "perhubungan": "Perhubungan dan Parkir",
    "pekerjaan_umum": "Jalan dan Drainase", "lingkungan": "Kebersihan dan Lingkungan",
    "air_bersih": "Air Bersih", "kesehatan": "Puskesmas dan Rumah Sakit Daerah",
    "pendidikan": "Pendidikan Dasar", "sosial": "Bantuan Sosial",
}
OFFICERS_PER_AGENCY = 50
COORDINATORS_PER_AGENCY = 2


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=None,
                        help=f"how many complaints (default {DEFAULT:,})")
    parser.add_argument("--small", action="store_true",
                        help=f"the small preset: {SMALL:,} complaints")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--anchor", default=None,
                        help="the instant the data is 'now' for (ISO 8601, UTC if no offset; "
                             "default: today 00:00 UTC). Open complaints' deadlines and the "
                             "sweeper's history are relative to it.")
    parser.add_argument("--open-fraction", type=float, default=0.12,
                        help="share of complaints still open at the anchor (default 0.12)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="worker processes (default: the number of CPUs)")
    args = parser.parse_args(argv)
    if args.complaints is None:
        args.complaints = SMALL if args.small else DEFAULT
    if args.complaints < 1 or not 0 <= args.open_fraction <= 1:
        parser.error("--complaints must be positive and --open-fraction within 0..1")
    args.anchor = parse_anchor(args.anchor)
    return args


def parse_anchor(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    anchor = dt.datetime.fromisoformat(value)
    return anchor.replace(tzinfo=dt.UTC) if anchor.tzinfo is None else anchor.astimezone(dt.UTC)


def conninfo() -> dict[str, Any]:
    from django.db import connection

    db = connection.settings_dict
    return {"dbname": db["NAME"], "user": db["USER"] or None, "password": db["PASSWORD"] or None,
            "host": db["HOST"] or None, "port": db["PORT"] or None}


# --- reference data ------------------------------------------------------------------------

def create_reference(seed: int, anchor: dt.datetime, open_fraction: float) -> Any:
    """Agencies, units, services with standards, staff and memberships, through the ORM."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bench import simulate as sim
    from complaints.defaults import create_default_standard
    from complaints.models import Agency, Membership, Service

    User = get_user_model()
    password = make_password(PASSWORD)
    rng = random.Random(f"{seed}:reference")
    places = []
    with transaction.atomic():
        for zone, cities in CITIES.items():
            for city, lat, lon in cities:
                slug = city.lower()
                agency = Agency.objects.create(code=f"pemkot-{slug}", time_zone=zone,
                                               name=f"Pemerintah Kota {city}",
                                               email=f"pengaduan@{slug}.go.id")
                units = [Agency.objects.create(code=f"{slug}-{code}", name=f"{name} {city}",
                                               parent=agency, time_zone=zone)
                         for code, name, _topics in UNITS]
                services = []
                for u, (_code, _name, topics) in enumerate(UNITS):
                    for topic in topics:
                        service = Service.objects.create(
                            agency=agency, code=f"{slug}-{topic.replace('_', '-')}",
                            name=f"{SERVICE_NAMES[topic]} Kota {city}", group=topic)
                        standard = create_default_standard(
                            service, effective_from=dt.date(2020, 1, 1),
                            summary="Standar pelayanan (data uji).")
                        services.append(sim.ServiceRef(service.pk, service.code, standard.pk,
                                                       u, topic))
                people = _staff(User, Membership, password, slug, agency, units)
                places.append(sim.Place(
                    id=agency.pk, code=agency.code, name=agency.name, cal=agency.calendar,
                    units=tuple(sim.Unit(unit.pk, unit.code, tuple(people["officers"][i]),
                                         people["supervisors"][i])
                                for i, unit in enumerate(units)),
                    services=tuple(services), coordinators=tuple(people["coordinators"]),
                    lat=lat, lon=lon))
        for n in (1, 2):
            user = User.objects.create(username=f"ombudsman.{n}", password=password,
                                       email=f"ombudsman.{n}@ombudsman.go.id",
                                       first_name="Asisten", last_name=f"Ombudsman {n}")
            Membership.objects.create(user=user, role="ombudsman")
        User.objects.create(username="admin", password=password, email="admin@example.go.id",
                            is_staff=True, is_superuser=True)
    # Big cities get more complaints: Zipf-like weights in a seeded order.
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(places))]
    rng.shuffle(weights)
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total / sum(weights))
    return sim.World(tuple(places), tuple(cumulative), anchor, seed, open_fraction)


def _staff(User: Any, Membership: Any, password: str, slug: str, agency: Any,
           units: list[Any]) -> dict[str, Any]:
    from bench.simulate import Person

    def users(names: Iterable[str]) -> list[Any]:
        return User.objects.bulk_create(
            User(username=n, password=password, email=f"{n}@{slug}.go.id",
                 first_name=n.split(".")[0].capitalize(), last_name=n.split(".", 1)[1])
            for n in names)

    coordinators = users(f"koordinator.{slug}.{i}" for i in range(1, COORDINATORS_PER_AGENCY + 1))
    supervisors = users(f"atasan.{unit.code}" for unit in units)
    officers = []
    for i, unit in enumerate(units):
        count = OFFICERS_PER_AGENCY // len(units) + (i < OFFICERS_PER_AGENCY % len(units))
        officers.append(users(f"petugas.{unit.code}.{n}" for n in range(1, count + 1)))
    Membership.objects.bulk_create(
        [Membership(user=u, role="coordinator", agency=agency) for u in coordinators]
        + [Membership(user=u, role="supervisor", agency=unit)
           for u, unit in zip(supervisors, units)]
        + [Membership(user=u, role="officer", agency=unit)
           for unit, group in zip(units, officers) for u in group])
    person = lambda u: Person(u.pk, u.username)  # noqa: E731
    return {"coordinators": [person(u) for u in coordinators],
            "supervisors": [person(u) for u in supervisors],
            "officers": [[person(u) for u in group] for group in officers]}


# --- secondary indexes: off during the load, rebuilt after ----------------------------------

def drop_indexes(cursor: Any) -> None:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_indexes "
                   "(name text PRIMARY KEY, tbl text NOT NULL, restore text NOT NULL)")
    cursor.execute("""
        SELECT i.relname, t.relname, c.conname, pg_get_constraintdef(c.oid),
               pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary""", [list(BULK_TABLES)])
    for index, table, constraint, condef, indexdef in cursor.fetchall():
        if constraint:
            restore = f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {condef}'
            drop = f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"'
        else:
            restore, drop = indexdef, f'DROP INDEX "{index}"'
        cursor.execute("INSERT INTO bench_dropped_indexes VALUES (%s, %s, %s)",
                       [index, table, restore])
        cursor.execute(drop)


def restore_indexes(info: dict[str, Any], jobs: int) -> int:
    """Rebuild what drop_indexes dropped, `jobs` statements at a time; the biggest first."""
    import psycopg

    with psycopg.connect(**info, autocommit=True) as conn:
        pending = conn.execute(
            "SELECT d.name, d.restore FROM bench_dropped_indexes d "
            "JOIN pg_class t ON t.relname = d.tbl ORDER BY pg_relation_size(t.oid) DESC, "
            "d.name").fetchall()
    lock, errors = threading.Lock(), []

    def work() -> None:
        with psycopg.connect(**info, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            while True:
                with lock:
                    if not pending:
                        return
                    name, statement = pending.pop(0)
                try:
                    conn.execute(statement)
                    conn.execute("DELETE FROM bench_dropped_indexes WHERE name = %s", [name])
                except Exception as error:  # noqa: BLE001 - reported, and left to repair
                    errors.append(f"{name}: {error}")

    threads = [threading.Thread(target=work) for _ in range(max(1, jobs))]
    count = len(pending)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("could not rebuild indexes: " + "; ".join(errors))
    return count


# --- the load -----------------------------------------------------------------------------

_WORLD: Any = None
_INFO: dict[str, Any] = {}
_TOTAL = 0


def _init_worker(world: Any, info: dict[str, Any], total: int) -> None:
    global _WORLD, _INFO, _TOTAL
    _WORLD, _INFO, _TOTAL = world, info, total


def load_chunk(index: int) -> dict[str, int]:
    """Simulate complaints index*CHUNK+1 … and COPY them, TXN_SIZE complaints per
    transaction: the change feed orders events by the id of the transaction that wrote them,
    and a service writes a few events per transaction, not a million."""
    import psycopg

    from bench import simulate as sim

    world = _WORLD
    first, last = index * CHUNK + 1, min((index + 1) * CHUNK, _TOTAL)
    rng = random.Random(f"{world.seed}:{index}")
    counts = dict.fromkeys(BULK_TABLES, 0)
    latest: dict[int, tuple[int, str]] = {}  # place → its latest complaint, for duplicates
    with psycopg.connect(**_INFO, autocommit=True) as conn:
        for batch in range(first, last + 1, TXN_SIZE):
            tables: dict[str, list[str]] = {t: [] for t in BULK_TABLES}
            for cid in range(batch, min(batch + TXN_SIZE, last + 1)):
                place = world.places[bisect.bisect_left(world.weights, rng.random())]
                service = rng.choice(place.services)
                path = sim.choose_path(rng, world.open_fraction)
                duplicate = (latest.get(place.id) if path == "rejected" and rng.random() < 0.3
                             else None)
                life = sim.lived(cid, world, place, service, rng, path, duplicate)
                complaint, clocks, events, reporter, feedback = sim.rows(life)
                tables["complaints_complaint"].append(complaint)
                tables["workflow_clock"].extend(clocks)
                tables["workflow_event"].extend(events)
                if reporter:
                    tables["complaints_reporter"].append(reporter)
                if feedback:
                    tables["complaints_feedback"].append(feedback)
                latest[place.id] = (cid, sim.tracking_number(cid, world.seed))
            copy_batch(conn, tables)
            for table, lines in tables.items():
                counts[table] += len(lines)
    return counts


def copy_batch(conn: Any, tables: dict[str, list[str]]) -> None:
    with conn.transaction(), conn.cursor() as cursor:
        # Every reference is consistent by construction; skip the per-row FK triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        txid = cursor.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
        for table, lines in tables.items():
            if not lines:
                continue
            data = "\n".join(lines) + "\n"
            if table == "workflow_event":
                data = data.replace("{txid}", str(txid))
            with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                copy.write(data.encode())


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, connections

    import psycopg

    if connection.vendor != "postgresql":
        print("bench.generate needs PostgreSQL (set DATABASE_URL)", file=sys.stderr)
        return 2
    info = conninfo()
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_dropped_indexes') IS NOT NULL")
        if cursor.fetchone()[0]:
            repaired = restore_indexes(info, args.jobs)
            print(f"repaired {repaired} indexes left from an interrupted load")
        cursor.execute("SELECT EXISTS (SELECT 1 FROM complaints_agency)")
        if cursor.fetchone()[0]:
            print("the database already has agencies: generate into an empty, migrated one",
                  file=sys.stderr)
            return 2
    step = time.perf_counter()
    world = create_reference(args.seed, args.anchor, args.open_fraction)
    timings["reference data"] = time.perf_counter() - step
    with connection.cursor() as cursor:
        drop_indexes(cursor)
    connections.close_all()  # the workers are forked: they must not share this connection
    chunks = range((args.complaints + CHUNK - 1) // CHUNK)
    counts = dict.fromkeys(BULK_TABLES, 0)
    step = time.perf_counter()
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(args.jobs, _init_worker, (world, info, args.complaints)) as pool:
            for done, loaded in enumerate(pool.imap_unordered(load_chunk, chunks), start=1):
                for table, n in loaded.items():
                    counts[table] += n
                if done % max(1, len(chunks) // 10) == 0 or done == len(chunks):
                    print(f"  {counts['complaints_complaint']:>10,} complaints "
                          f"({time.perf_counter() - step:6.1f} s)", flush=True)
        timings["simulate + COPY"] = time.perf_counter() - step
    finally:
        step = time.perf_counter()
        rebuilt = restore_indexes(info, args.jobs)
        timings[f"rebuild {rebuilt} indexes"] = time.perf_counter() - step
    step = time.perf_counter()
    with psycopg.connect(**info, autocommit=True) as conn:
        for table in BULK_TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    vacuum(info, args.jobs)
    timings["vacuum + analyze"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - began
    record(info, args, counts, timings)
    print(f"generated {args.complaints:,} complaints (seed {args.seed}, anchor "
          f"{args.anchor.isoformat()}) into {info['dbname']}")
    for table, n in counts.items():
        print(f"  {table:<22} {n:>12,} rows")
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds:>10.1f} s")
    return 0


def vacuum(info: dict[str, Any], jobs: int) -> None:
    """VACUUM ANALYZE every table (visibility map for index-only scans, planner statistics),
    as a database in service would have had done by autovacuum."""
    import psycopg

    with psycopg.connect(**info, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace ORDER BY pg_relation_size(oid) DESC").fetchall()]
    lock = threading.Lock()

    def work() -> None:
        with psycopg.connect(**info, autocommit=True) as conn:
            while True:
                with lock:
                    if not tables:
                        return
                    table = tables.pop(0)
                conn.execute(f'VACUUM (ANALYZE) "{table}"')

    threads = [threading.Thread(target=work) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def record(info: dict[str, Any], args: argparse.Namespace, counts: dict[str, int],
           timings: dict[str, float]) -> None:
    """What was generated, for bench.run: the table bench_meta."""
    import psycopg

    meta = {"complaints": args.complaints, "seed": args.seed,
            "anchor": args.anchor.isoformat(), "open_fraction": args.open_fraction,
            "jobs": args.jobs, "rows": counts, "seconds": timings,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, "
                     "value jsonb NOT NULL)")
        conn.execute("INSERT INTO bench_meta VALUES ('generate', %s) ON CONFLICT (key) "
                     "DO UPDATE SET value = EXCLUDED.value", [json.dumps(meta)])


if __name__ == "__main__":
    sys.exit(main())
