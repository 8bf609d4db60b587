"""One complaint's life, simulated the way the workflow would have lived it, as COPY rows.

`Life` mirrors `workflow.services` + `workflow.clocks` + `workflow.sweeper` closely enough
that the rows are indistinguishable from real ones: clocks start, stop, pause, resume and
get extended with the same calendar arithmetic (`workflow.calendar`), the sweeper's warnings
and breaches appear wherever a running clock passed its warning point or deadline before the
anchor instant, time-driven transitions (auto_close, withdraw) happen when the citizen's
window ran out, and the events form a valid chain (`workflow.audit.compute_hash` over
`canonical_fields`). Nothing is due for the sweeper at the anchor: the past has been swept.

Pure Python, no database: `bench.generate` runs it in worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any

from complaints.models import NO_DEADLINE
from workflow import calendar
from workflow.audit import canonical_fields, compute_hash, format_time

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
WARNING_FRACTION = 0.75  # complaints.defaults.DEFAULT_WARNING_FRACTION
CITIZEN_CLOCKS = ("info_wait", "reply_window")
EXPIRY = {"info_wait", "reply_window"}
# name: (duration, unit, pausable, ceiling) — complaints.defaults.DEFAULT_CLOCKS
POLICIES = {
    "verify": (3, "working_days", False, None),
    "first_response": (5, "working_days", True, 60),
    "statutory_answer": (14, "calendar_days", False, None),
    "resolution": (60, "calendar_days", True, None),
    "info_wait": (30, "calendar_days", False, None),
    "reply_window": (10, "working_days", False, None),
}
TIERS = (("ringan", 2, 0.20), ("normatif", 5, 0.60), ("tidak-berkadar-pengawasan", 14, 0.15),
         ("berkadar-pengawasan", 60, 0.05))
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_SPACE = 31 ** 9
# Ids of child rows are derived from the complaint's id, so they are deterministic whatever
# the order in which worker processes load their chunks.
EVENTS_PER_COMPLAINT = 64
CLOCKS_PER_COMPLAINT = 16


# --- reference data handed to the workers (picklable) ---------------------------------------

@dataclass(frozen=True)
class Person:
    id: int
    username: str


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    officers: tuple[Person, ...]
    supervisor: Person


@dataclass(frozen=True)
class ServiceRef:
    id: int
    code: str
    standard_id: int
    unit: int  # index into Place.units
    topic: str


@dataclass(frozen=True)
class Place:
    """A top-level agency with its calendar, units, services and staff."""

    id: int
    code: str
    name: str
    cal: calendar.WorkCalendar
    units: tuple[Unit, ...]
    services: tuple[ServiceRef, ...]
    coordinators: tuple[Person, ...]
    lat: float
    lon: float


@dataclass(frozen=True)
class World:
    places: tuple[Place, ...]
    weights: tuple[float, ...]  # cumulative, for choosing a place
    anchor: dt.datetime
    seed: int
    open_fraction: float


# --- identifiers ---------------------------------------------------------------------------

def tracking_number(complaint_id: int, seed: int) -> str:
    """Distinct for distinct ids: an affine bijection of the 31**9 bodies, plus the check
    character of complaints.identifiers."""
    value = (complaint_id * 1_000_003 + seed * 7_919 + 104_729) % BODY_SPACE
    chars = []
    for _ in range(9):
        value, digit = divmod(value, 31)
        chars.append(ALPHABET[digit])
    body = "".join(chars)
    check = ALPHABET[sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body)) % 31]
    raw = body + check
    return f"{raw[:5]}-{raw[5:]}"


def access_token(complaint_id: int, seed: int) -> str:
    """The citizen's token, derivable by the benchmark (which acts as the citizen)."""
    return f"bench-{seed}-{complaint_id}"


# --- COPY text format ----------------------------------------------------------------------

NULL = "\\N"
_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per call


def esc(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def ts(value: dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat()


def opt(value: Any) -> str:
    return NULL if value is None else str(value)


# --- calendar arithmetic, memoised (day units depend only on the local start day) ---------

_DEADLINES: dict[tuple[Any, ...], dt.datetime] = {}


def deadline(cal: calendar.WorkCalendar, start: dt.datetime, duration: int, unit: str
             ) -> dt.datetime:
    key = (cal.time_zone, cal.local_date(start), duration, unit)
    found = _DEADLINES.get(key)
    if found is None:
        found = _DEADLINES[key] = calendar.deadline(cal, start, duration, unit)
    return found


def warn_at(started: dt.datetime, due: dt.datetime) -> dt.datetime:
    return started + (due - started) * WARNING_FRACTION  # workflow.clocks._warn_at


# --- clocks --------------------------------------------------------------------------------

class SimClock:
    """A Clock row, plus the stretches during which it ran (for the sweeper's events)."""

    __slots__ = ("name", "cycle", "duration", "unit", "pausable", "ceiling", "started", "due",
                 "warn", "paused_at", "paused_seconds", "stopped", "extended_by",
                 "extension_reason", "warned_at", "breached_at", "segments", "run_from")

    def __init__(self, name: str, cycle: int, duration: int, unit: str, started: dt.datetime,
                 due: dt.datetime) -> None:
        _d, _u, self.pausable, self.ceiling = POLICIES[name]
        self.name, self.cycle, self.duration, self.unit = name, cycle, duration, unit
        self.started, self.due, self.warn = started, due, warn_at(started, due)
        self.paused_at: dt.datetime | None = None
        self.paused_seconds = 0.0
        self.stopped: dt.datetime | None = None
        self.extended_by, self.extension_reason = 0, ""
        self.warned_at: dt.datetime | None = None
        self.breached_at: dt.datetime | None = None
        # (from, to, warn_at, due_at) of each stretch it ran with the same deadline
        self.segments: list[tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]] = []
        self.run_from: dt.datetime | None = started

    def close_segment(self, t: dt.datetime) -> None:
        if self.run_from is not None:
            self.segments.append((self.run_from, t, self.warn, self.due))
            self.run_from = None


# --- one complaint -------------------------------------------------------------------------

@dataclass
class Life:
    cid: int
    world: World
    place: Place
    service: ServiceRef
    rng: random.Random
    fields: dict[str, Any] = field(default_factory=dict)
    clocks: list[SimClock] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    state: str = "received"
    exists_from: dt.datetime | None = None

    @property
    def cal(self) -> calendar.WorkCalendar:
        return self.place.cal

    @property
    def unit(self) -> Unit:
        return self.place.units[self.service.unit]

    # events: (occurred_at, order, action, actor, role, from_state, to_state, payload)
    def event(self, t: dt.datetime, action: str, actor: Person | None, role: str,
              to_state: str | None = None, payload: dict[str, Any] | None = None) -> None:
        before = self.state if action != "submit" else ""
        after = to_state if to_state is not None else (self.state if action != "submit"
                                                      else "received")
        if action.startswith("clock_"):
            before = after = ""
        self.events.append((t, len(self.events), action, actor, role, before, after,
                            payload or {}))
        if to_state is not None:
            self.state = to_state
        if not action.startswith("clock_"):
            self.fields["updated_at"] = t

    # clocks, as workflow.clocks does it
    def start(self, name: str, t: dt.datetime, duration: int | None = None) -> SimClock:
        pdur, unit, _p, _c = POLICIES[name]
        duration = pdur if duration is None else duration
        cycle = 1 + sum(1 for c in self.clocks if c.name == name)
        clock = SimClock(name, cycle, duration, unit, t, deadline(self.cal, t, duration, unit))
        self.clocks.append(clock)
        return clock

    def open(self, *names: str) -> list[SimClock]:
        return [c for c in self.clocks if c.stopped is None and (not names or c.name in names)]

    def stop(self, t: dt.datetime, *names: str) -> None:
        for clock in self.open(*names):
            if clock.paused_at is not None:
                self._resume(clock, t)
            clock.close_segment(t)
            clock.stopped = t
            if t > clock.due and clock.breached_at is None:
                clock.breached_at = clock.due

    def pause(self, t: dt.datetime) -> None:
        for clock in self.open():
            if clock.pausable and clock.paused_at is None:
                clock.close_segment(t)
                clock.paused_at = t

    def resume(self, t: dt.datetime) -> None:
        for clock in self.open():
            if clock.paused_at is not None:
                self._resume(clock, t)

    def _resume(self, clock: SimClock, t: dt.datetime) -> None:
        assert clock.paused_at is not None
        clock.due = calendar.shift_for_pause(self.cal, clock.due, clock.paused_at, t, clock.unit)
        clock.warn = warn_at(clock.started, clock.due)
        clock.paused_seconds += (t - clock.paused_at).total_seconds()
        clock.paused_at = None
        clock.run_from = t

    # the workflow's actions
    def submit(self, received: dt.datetime, channel: str, visibility: str) -> None:
        staff = channel not in ("web", "api", "open311")
        now = received + self.rng.uniform(0, 6) * HOUR if staff else received
        self.exists_from = now
        actor = self.rng.choice(self.place.coordinators) if staff else None
        self.event(now, "submit", actor, "coordinator" if staff else "citizen", "received", {
            "service": self.service.code, "standard_version": 1, "channel": channel,
            "visibility": visibility, "received_at": format_time(received)})
        for name in ("verify", "statutory_answer", "resolution"):
            self.start(name, received)
        self.fields.update(received_at=received, created_at=now)

    def assign(self, t: dt.datetime) -> None:
        tier = self.rng.random()
        for code, days, share in TIERS:
            tier -= share
            if tier < 0:
                break
        officer = self.rng.choice(self.unit.officers) if self.rng.random() < 0.85 else None
        classification = self.rng.choice(("complaint", "complaint", "complaint", "aspiration",
                                          "information_request", ""))
        self.stop(t, "verify")
        self.start("first_response", t, days)
        self.fields.update(unit_id=self.unit.id, assignee=officer, complexity=code,
                           classification=classification, assigned_at=t)
        self.event(t, "assign", self.rng.choice(self.place.coordinators), "coordinator",
                   "assigned", {"unit": self.unit.code,
                                "assignee": officer.username if officer else None,
                                "complexity": code, "classification": classification or None})

    def reassign(self, t: dt.datetime) -> None:
        officer = self.rng.choice(self.unit.officers)
        self.fields["assignee"] = officer
        self.event(t, "reassign", self.rng.choice(self.place.coordinators), "coordinator",
                   "assigned", {"unit": self.unit.code, "assignee": officer.username})

    def officer(self) -> Person:
        return self.fields.get("assignee") or self.rng.choice(self.unit.officers)

    def request_info(self, t: dt.datetime) -> None:
        message = self.rng.choice(INFO_REQUESTS)
        self.stop(t, "statutory_answer")
        self.pause(t)
        self.start("info_wait", t)
        self.fields["pending_info_request"] = message
        self.fields.setdefault("first_answered_at", t)
        self.event(t, "request_info", self.officer(), "officer", "assigned", {"message": message})

    def provide_info(self, t: dt.datetime) -> None:
        message = self.rng.choice(INFO_ANSWERS)
        self.stop(t, "info_wait")
        self.resume(t)
        self.fields["pending_info_request"] = ""
        self.event(t, "provide_info", None, "citizen", "assigned", {"message": message})

    def extend(self, t: dt.datetime) -> None:
        clock = next((c for c in self.open("first_response") if c.paused_at is None), None)
        if clock is None or clock.ceiling is None or clock.ceiling <= clock.duration:
            return
        amount = min(5, clock.ceiling - clock.duration)
        reason = "Menunggu hasil pemeriksaan lapangan."
        clock.close_segment(t)
        clock.due = deadline(self.cal, clock.due, amount, clock.unit)
        clock.warn = warn_at(clock.started, clock.due)
        clock.extended_by, clock.extension_reason = amount, reason
        clock.run_from = t
        self.event(t, "extend", self.unit.supervisor, "supervisor", "assigned",
                   {"clock": "first_response", "amount": amount, "reason": reason})

    def respond(self, t: dt.datetime) -> None:
        response = self.rng.choice(RESPONSES)
        self.stop(t, "info_wait")
        self.resume(t)
        self.stop(t, "first_response", "statutory_answer")
        self.start("reply_window", t)
        self.fields.update(response=response, pending_info_request="", responded_at=t)
        self.fields.setdefault("first_answered_at", t)
        self.event(t, "respond", self.officer(), "officer", "responded", {"response": response})

    def dispute(self, t: dt.datetime) -> None:
        reason = "Tanggapan belum menjawab pokok pengaduan saya."
        self.stop(t, "reply_window")
        tier = next(d for code, d, _s in TIERS if code == self.fields["complexity"])
        self.start("first_response", t, tier)
        self.fields["dispute_count"] = self.fields.get("dispute_count", 0) + 1
        self.event(t, "dispute", None, "citizen", "assigned", {"reason": reason})

    def close(self, t: dt.datetime, action: str, reason: str, actor: Person | None, role: str,
              payload: dict[str, Any]) -> None:
        self.stop(t)
        self.fields.update(closure_reason=reason, closed_at=t)
        self.event(t, action, actor, role, "closed", payload)

    def accept(self, t: dt.datetime) -> None:
        rating = self.rng.choices((5, 4, 3, 2, 1), (35, 30, 15, 10, 10))[0]
        comment = self.rng.choice(FEEDBACK) if self.rng.random() < 0.6 else ""
        self.fields["feedback"] = (rating, comment, t)
        self.close(t, "accept", "resolved", None, "citizen", {"rating": rating, "comment": comment})

    def expire(self, name: str) -> dt.datetime:
        """The sweeper's transition when the citizen's window `name` ran out."""
        clock = self.open(name)[0]
        t = clock.due + self.rng.uniform(1, 120) * dt.timedelta(seconds=1)
        if name == "reply_window":
            self.close(t, "auto_close", "no_reply", None, "system", {})
        else:
            self.close(t, "withdraw", "withdrawn", None, "system", {"reason": ""})
        return t

    def reject(self, t: dt.datetime, duplicate_of: tuple[int, str] | None) -> None:
        reason = "duplicate" if duplicate_of else self.rng.choice(("spam", "out_of_scope"))
        note = self.rng.choice(("", "Di luar kewenangan instansi.", "Laporan tidak jelas."))
        self.fields.update(rejection_reason=reason, first_answered_at=t,
                           duplicate_of_id=duplicate_of[0] if duplicate_of else None)
        self.close(t, "reject", "rejected", self.rng.choice(self.place.coordinators),
                   "coordinator", {"reason": reason, "note": note,
                                   "duplicate_of": duplicate_of[1] if duplicate_of else None})

    def refer(self, t: dt.datetime) -> None:
        name = self.rng.choice(EXTERNAL_AGENCIES)
        self.fields.update(referred_to_agency=name, first_answered_at=t)
        self.close(t, "refer", "referred", self.rng.choice(self.place.coordinators),
                   "coordinator", {"agency_name": name, "note": ""})

    def withdraw(self, t: dt.datetime) -> None:
        self.close(t, "withdraw", "withdrawn", None, "citizen",
                   {"reason": "Masalah sudah selesai."})

    # the sweeper: what it recorded for every clock while it ran, up to the anchor
    def sweep_history(self, anchor: dt.datetime) -> None:
        assert self.exists_from is not None
        for clock in self.clocks:
            clock.close_segment(anchor)
            warned = breached = None  # (when, the deadline then)
            for begin, end, warn, due in clock.segments:
                begin = max(begin, self.exists_from)
                if begin >= end:
                    continue
                # A clock still running at the anchor has been swept up to the anchor.
                running = end == anchor and clock.stopped is None
                lag = self.rng.uniform(1, 300) * dt.timedelta(seconds=1)
                if clock.warned_at is None and warned is None and warn < end:
                    at = min(max(warn, begin) + lag, anchor)
                    if at < end or running:
                        warned = (at, due)
                if clock.name not in EXPIRY and due < end:
                    at = min(max(due, begin) + lag, anchor)
                    if at < end or running:
                        breached = (at, due)
                        break
            if breached is not None and (warned is None or breached[0] <= warned[0]):
                warned = None  # the sweeper records the breach first; it sets warned_at too
            if warned is not None:
                clock.warned_at = warned[0]
                self._clock_event(warned[0], "clock_warning", clock, warned[1])
            if breached is not None:
                clock.warned_at = clock.warned_at or breached[0]
                clock.breached_at = breached[1]
                self._clock_event(breached[0], "clock_breached", clock, breached[1])

    def _clock_event(self, t: dt.datetime, action: str, clock: SimClock, due: dt.datetime
                     ) -> None:
        self.event(t, action, None, "system", None, {
            "clock": clock.name, "cycle": clock.cycle, "due_at": format_time(due)})


# --- choosing a life ---------------------------------------------------------------------

def _days(rng: random.Random, mean: float, cap: float) -> dt.timedelta:
    return min(rng.expovariate(1 / mean), cap) * DAY + rng.uniform(0, 3600) * dt.timedelta(
        seconds=1)


def choose_path(rng: random.Random, open_fraction: float) -> str:
    if rng.random() < open_fraction:
        return rng.choices(("received", "assigned", "pending_info", "responded"),
                           (25, 47, 8, 20))[0]
    return rng.choices(("resolved", "no_reply", "rejected", "referred", "withdrawn",
                        "withdrawn_no_info"), (55, 18, 12, 5, 6, 4))[0]


def lived(cid: int, world: World, place: Place, service: ServiceRef, rng: random.Random,
          path: str, duplicate_of: tuple[int, str] | None) -> Life:
    """A complaint's life along `path`, over by the anchor. A closed life that started
    recently and would have outlasted the anchor is played again from another start, so
    that complaints close every day up to the anchor, as they do where a service runs,
    and the recent ones that did are those whose lives were short."""
    while True:
        life = Life(cid, world, place, service, rng)
        live(life, path, duplicate_of)
        if max(event[0] for event in life.events) <= world.anchor:
            return life


def live(life: Life, path: str, duplicate_of: tuple[int, str] | None) -> None:
    """Play `path` from receipt to its end (or to the anchor, for open complaints)."""
    rng, anchor = life.rng, life.world.anchor
    channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
    visibility = rng.choices(("public", "anonymous", "confidential"), (93, 5, 2))[0]
    life.fields["visibility"], life.fields["channel"] = visibility, channel
    verify = _days(rng, 1.2, 9)
    if path == "received":
        received = anchor - rng.uniform(0.02, 4 if rng.random() < 0.85 else 12) * DAY
        life.submit(received, channel, visibility)
        return
    if path in ("rejected", "referred"):
        life.submit(anchor - rng.uniform(6, 730) * DAY, channel, visibility)
        t = life.fields["received_at"] + verify
        life.reject(t, duplicate_of) if path == "rejected" else life.refer(t)
        return
    if path == "withdrawn" and rng.random() < 0.4:
        life.submit(anchor - rng.uniform(6, 730) * DAY, channel, visibility)
        life.withdraw(life.fields["received_at"] + _days(rng, 1, 3))
        return
    # Assigned at some point. Open lives are laid out backwards from the anchor, so their
    # citizen windows are still open; closed ones may start at any time of the two years,
    # and `lived` plays again those that would not have ended by the anchor.
    asks = path in ("pending_info", "withdrawn_no_info") or rng.random() < 0.15
    answer = _days(rng, 4, 20)
    work = _days(rng, 4, 18)
    if path == "pending_info":
        asked = anchor - rng.uniform(0.05, 25) * DAY
        start = asked - work - verify
    elif path == "responded":
        responded = anchor - rng.uniform(0.05, 9) * DAY
        start = responded - work - (answer + work if asks else dt.timedelta(0)) - verify
    elif path == "assigned":
        start = anchor - verify - rng.uniform(0.05, 40) * DAY
    else:
        start = anchor - rng.uniform(2, 730) * DAY
    life.submit(start, channel, visibility)
    t = life.fields["received_at"] + verify
    life.assign(t)
    backwards = path in ("responded", "pending_info")  # laid out from a fixed end
    if not backwards and rng.random() < 0.05 and t + 4 * DAY < anchor:
        t += _days(rng, 1, 3)
        life.reassign(t)
    if path == "assigned":
        if asks and t + work + answer < anchor:
            t += work
            life.request_info(t)
            t += answer
            life.provide_info(t)
        if rng.random() < 0.02 and t + DAY < anchor:
            life.extend(t + DAY)
        return
    if asks:
        t += work
        life.request_info(t)
        if path == "pending_info":
            return
        if path == "withdrawn_no_info":
            life.expire("info_wait")
            return
        t += answer
        life.provide_info(t)
    if path == "withdrawn":
        life.withdraw(t + _days(rng, 2, 10))
        return
    if not backwards and rng.random() < 0.02:
        t += _days(rng, 1, 2)
        life.extend(t)
    t = responded if path == "responded" else t + work
    life.respond(t)
    if path == "responded":
        return
    if rng.random() < 0.06:
        t += _days(rng, 2, 8)
        life.dispute(t)
        t += _days(rng, 4, 15)
        life.respond(t)
    if path == "resolved":
        life.accept(t + _days(rng, 2, 9))
    else:
        life.expire("reply_window")


# --- rows ------------------------------------------------------------------------------

def rows(life: Life) -> tuple[str, list[str], list[str], str | None, str | None]:
    """COPY lines: the complaint, its clocks, its events, its reporter and its feedback."""
    cid, seed, rng, f = life.cid, life.world.seed, life.rng, life.fields
    number = tracking_number(cid, seed)
    life.sweep_history(life.world.anchor)
    events, prev = [], ""
    for seq, (t, _o, action, actor, role, before, after, payload) in enumerate(
            sorted(life.events, key=lambda e: (e[0], e[1])), start=1):
        label = actor.username if actor else ("system" if role == "system" else "citizen")
        canonical = canonical_fields(tracking_number=number, seq=seq, action=action,
                                     actor=label, role=role, occurred_at=t, from_state=before,
                                     to_state=after, payload=payload)
        digest = compute_hash(prev, canonical)
        events.append("\t".join((
            str(cid * EVENTS_PER_COMPLAINT + seq), str(seq), action, esc(label), role, ts(t),
            before, after, esc(_json(payload)), prev, digest,
            "{txid}", opt(actor.id if actor else None), str(cid))))
        prev = digest
    clocks = []
    for k, c in enumerate(life.clocks, start=1):
        clocks.append("\t".join((
            str(cid * CLOCKS_PER_COMPLAINT + k), c.name, str(c.cycle), str(c.duration), c.unit,
            "0.75", "t" if c.pausable else "f", opt(c.ceiling), ts(c.started), ts(c.due),
            ts(c.warn), ts(c.paused_at), repr(c.paused_seconds), ts(c.stopped),
            str(c.extended_by), esc(c.extension_reason), ts(c.warned_at), ts(c.breached_at),
            str(cid))))
    topic = life.service.topic
    title, description = text_of(rng, topic)
    lat = lon = None
    if rng.random() < 0.6:
        lat = f"{life.place.lat + rng.uniform(-0.2, 0.2):.6f}"
        lon = f"{life.place.lon + rng.uniform(-0.2, 0.2):.6f}"
    assignee = f.get("assignee")
    complaint = "\t".join((
        str(cid), number, hashlib.sha256(access_token(cid, seed).encode()).hexdigest(),
        f["channel"], f["visibility"], f.get("classification", ""), esc(title),
        esc(description), esc(rng.choice(STREETS) + ", " + life.place.name),
        opt(lat), opt(lon), life.state, f.get("complexity", ""),
        esc(f.get("pending_info_request", "")), esc(f.get("response", "")),
        str(f.get("dispute_count", 0)), f.get("closure_reason", ""),
        f.get("rejection_reason", ""), esc(f.get("referred_to_agency", "")),
        ts(f["received_at"]), ts(f.get("assigned_at")), ts(f.get("first_answered_at")),
        ts(f.get("responded_at")), ts(f.get("closed_at")), ts(f["created_at"]),
        ts(f["updated_at"]), str(life.place.id), opt(assignee.id if assignee else None),
        opt(f.get("duplicate_of_id")), NULL, opt(f.get("unit_id")), str(life.service.id),
        str(life.service.standard_id), ts(next_due(life.clocks))))
    reporter = None
    if rng.random() < 0.9:
        given = rng.choice(GIVEN)
        family = rng.choice(FAMILY)
        reporter = "\t".join((
            str(cid), f"{given} {family}",
            f"{given.lower()}.{family.lower()}{cid % 1000}@example.id"
            if rng.random() < 0.8 else "",
            f"08{rng.randrange(10**9, 10**10)}" if rng.random() < 0.7 else "",
            f"{rng.randrange(10**15, 10**16)}" if rng.random() < 0.5 else "",
            esc(rng.choice(STREETS)) if rng.random() < 0.6 else "",
            "t" if rng.random() < 0.3 else "f", ts(f["created_at"]), str(cid)))
    feedback = None
    if "feedback" in f:
        rating, comment, at = f["feedback"]
        feedback = "\t".join((str(cid), str(rating), esc(comment), ts(at), str(cid)))
    return complaint, clocks, events, reporter, feedback


def next_due(clocks: list[Any]) -> dt.datetime:
    """Complaint.next_due as workflow.clocks.earliest_due keeps it."""
    return min((c.due for c in clocks if c.stopped is None and c.paused_at is None
                and c.name not in CITIZEN_CLOCKS), default=NO_DEADLINE)


def text_of(rng: random.Random, topic: str) -> tuple[str, str]:
    subject = rng.choice(TOPICS[topic])
    title = f"{subject} {rng.choice(TITLE_TAILS)}"
    sentences = [rng.choice(OPENINGS).format(subject=subject.lower())]
    sentences += rng.sample(DETAILS, rng.randint(1, 3))
    sentences.append(rng.choice(CLOSINGS))
    return title.strip()[:200], " ".join(sentences)


# --- vocabulary ----------------------------------------------------------------------------

CHANNELS = ("web", "api", "open311", "phone", "letter", "walk_in", "email", "sms",
            "social_media")
CHANNEL_WEIGHTS = (45, 10, 5, 10, 5, 10, 5, 5, 5)
TOPICS = {
    "kependudukan": ("KTP-el belum jadi", "Akta kelahiran tertunda", "Kartu keluarga salah data",
                     "Antrean Disdukcapil panjang", "Pungutan liar pengurusan KTP"),
    "perhubungan": ("Parkir liar", "Angkutan umum tidak beroperasi", "Lampu lalu lintas mati",
                    "Tarif parkir tidak sesuai", "Halte rusak"),
    "kesehatan": ("Pelayanan puskesmas lambat", "Obat tidak tersedia",
                  "Rujukan BPJS ditolak", "Petugas kesehatan tidak ramah"),
    "pekerjaan_umum": ("Jalan berlubang", "Drainase tersumbat", "Jembatan rusak",
                       "Penerangan jalan mati", "Banjir di permukiman"),
    "perizinan": ("Izin usaha tidak diproses", "PBG lambat terbit",
                  "Biaya izin tidak transparan", "Sistem perizinan daring error"),
    "lingkungan": ("Sampah tidak diangkut", "Pencemaran sungai", "Bau dari TPS",
                   "Pohon tumbang belum ditangani"),
    "pendidikan": ("PPDB zonasi bermasalah", "Pungutan sekolah", "Guru jarang hadir",
                   "Bantuan seragam belum diterima"),
    "sosial": ("Bansos tidak tepat sasaran", "Data DTKS salah", "PKH belum cair"),
    "air_bersih": ("Air PDAM tidak mengalir", "Tagihan PDAM melonjak", "Air keruh"),
    "pajak": ("PBB salah hitung", "Pelayanan Bapenda lambat", "Denda pajak tidak wajar"),
}
TITLE_TAILS = ("sejak bulan lalu", "di kelurahan kami", "tanpa kejelasan", "berulang kali",
               "mohon ditindaklanjuti", "meresahkan warga", "")
OPENINGS = ("Saya ingin melaporkan {subject} yang sudah berlangsung lama.",
            "Dengan hormat, kami warga menyampaikan pengaduan tentang {subject}.",
            "Mohon perhatian atas {subject} di lingkungan kami.",
            "Sudah beberapa kali saya mengalami {subject}.")
DETAILS = ("Petugas di loket mengatakan sistem sedang gangguan.",
           "Kami sudah datang tiga kali namun belum ada kepastian.",
           "Tidak ada informasi resmi mengenai jadwal penyelesaian.",
           "Kondisi ini menyulitkan warga, terutama lansia dan anak-anak.",
           "Saya sudah melapor ke RT dan kelurahan tetapi belum ada tindak lanjut.",
           "Foto kondisi di lapangan dapat kami kirimkan bila diperlukan.",
           "Standar pelayanan menyebutkan waktu penyelesaian yang jauh lebih singkat.",
           "Ada permintaan biaya tambahan yang tidak tercantum dalam standar pelayanan.")
CLOSINGS = ("Mohon segera ditindaklanjuti. Terima kasih.", "Atas perhatiannya kami ucapkan "
            "terima kasih.", "Kami berharap ada penyelesaian secepatnya.")
INFO_REQUESTS = ("Mohon lampirkan foto lokasi dan alamat lengkap.",
                 "Mohon sebutkan nomor registrasi permohonan Anda.",
                 "Mohon kirimkan salinan bukti pembayaran.")
INFO_ANSWERS = ("Berikut alamat lengkap dan foto lokasi.", "Nomor registrasi sudah saya "
                "kirimkan.", "Bukti pembayaran terlampir.")
RESPONSES = ("Pengaduan telah kami tindak lanjuti; petugas sudah ke lokasi.",
             "Dokumen Anda sudah selesai dan dapat diambil di loket.",
             "Kami telah berkoordinasi dengan unit terkait; perbaikan dijadwalkan minggu ini.",
             "Pungutan tersebut tidak sah; petugas yang bersangkutan telah ditegur.")
FEEDBACK = ("Terima kasih, sudah selesai.", "Cukup cepat.", "Masih kurang memuaskan.",
            "Pelayanan baik.")
EXTERNAL_AGENCIES = ("Kantor Pertanahan", "Kepolisian Resor", "BPJS Kesehatan Cabang",
                     "PLN Unit Layanan", "Kementerian Agama Kabupaten")
STREETS = ("Jl. Merdeka No. 12", "Jl. Sudirman No. 45", "Jl. Diponegoro No. 7",
           "Jl. Ahmad Yani Km 3", "Gg. Melati RT 02/RW 05", "Jl. Pahlawan No. 101",
           "Perumahan Griya Asri Blok C-9", "Jl. Hasanuddin No. 23")
GIVEN = ("Siti", "Budi", "Agus", "Dewi", "Rina", "Ahmad", "Yohanes", "Maria", "Putu", "Made",
         "Wayan", "Nur", "Rahmat", "Fitri", "Andi", "Theresia", "Hendra", "Lestari")
FAMILY = ("Rahayu", "Santoso", "Wijaya", "Siregar", "Nainggolan", "Pattiasina", "Manuputty",
          "Saragih", "Hasibuan", "Sitompul", "Lumbantobing", "Kurniawan", "Setiawan", "Daeng")
