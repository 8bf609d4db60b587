"""A load client for the REST API, in the standard library only.

Each client is a thread that plays citizens and staff: it submits a complaint (without an
`Idempotency-Key`, with one, with one and then the same request again, or the same keyed
request twice at once), reads it back with the citizen's access token, and walks it along one
of the paths below — coordinator, officer and citizen taking turns — sometimes sending a step
twice at once, as a double click would. Every answer is recorded as an `Outcome`, so the
database can be reconciled with what the clients were told.

When the server may die under a request (the fault tests), an answer that never came is an
unknown outcome: submissions carrying a key are retried with the same key, transitions are
retried, and a 409 after an unknown outcome is checked against the complaint as the citizen
sees it (the lost attempt may have committed). Submissions without a key are not retried:
that is what the key is for.

Also runnable against a live server, e.g. a staging installation:

    python -m tests.reliability.load --url http://127.0.0.1:8000 --seconds 30 \\
        --coordinator TOKEN --officer officer=TOKEN --service ktp-el --unit disdukcapil-ktp
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

API = "/api/v1"
# A journey's path: the actions after submission, and who takes each.
PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "received": (),
    "withdrawn": (("withdraw", "citizen"),),
    "quick": (("assign", "coordinator"), ("respond", "officer"), ("accept", "citizen")),
    "info": (("assign", "coordinator"), ("request_info", "officer"),
             ("provide_info", "citizen"), ("respond", "officer"), ("accept", "citizen")),
    "dispute": (("assign", "coordinator"), ("respond", "officer"), ("dispute", "citizen"),
                ("respond", "officer"), ("accept", "citizen")),
    "waiting": (("assign", "coordinator"), ("request_info", "officer")),
}
PATH_WEIGHTS = {"received": 1, "withdrawn": 1, "quick": 3, "info": 3, "dispute": 2,
                "waiting": 1}
SUBMIT_MODES = {"plain": 3, "keyed": 3, "keyed_retry": 2, "keyed_race": 1}
RETRIES = 6


@dataclass(frozen=True)
class Target:
    """What the load needs to know about the installation it runs against."""

    host: str
    port: int
    service: str
    unit: str
    coordinator_token: str
    officer_tokens: dict[str, str]  # username → API token
    https: bool = False


@dataclass
class Outcome:
    client: int
    op: str  # submit | retrieve | transition
    tracking_number: str
    action: str
    status: int | None  # None: the answer never came (connection lost)
    code: str = ""  # the error code of an error answer
    error_shape: bool = True  # a 4xx/5xx answer had the documented error shape
    replayed: bool = False
    raced: bool = False  # one of two identical requests sent at once
    after_unknown: bool = False  # a retry of a request whose outcome is unknown
    group: int = 0  # the attempt (first send, twin, retries) this answer belongs to
    key: str = ""
    access_token: str = ""
    detail: str = ""
    started: float = 0.0
    seconds: float = 0.0


@dataclass
class Answer:
    status: int | None
    data: Any = None
    replayed: bool = False
    error: str = ""


def request(target: Target, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None, timeout: float = 60.0) -> Answer:
    """One request on its own connection (gunicorn's sync workers close every connection)."""
    connection = http.client.HTTPSConnection if target.https else http.client.HTTPConnection
    conn = connection(target.host, target.port, timeout=timeout)
    payload = json.dumps(body).encode() if body is not None else None
    try:
        conn.request(method, path, body=payload, headers={
            "Accept": "application/json", "Content-Type": "application/json",
            **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        return Answer(None, error=f"{type(error).__name__}: {error}")
    finally:
        conn.close()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw[:200].decode(errors="replace")
    return Answer(response.status, data, response.getheader("Idempotent-Replayed") == "true")


@dataclass(frozen=True)
class Seen:
    """What the citizen should see after a step: used to settle an unknown outcome."""

    state: str = "received"
    pending: bool = False
    disputes: int = 0

    def after(self, action: str) -> Seen:
        return {
            "assign": replace(self, state="assigned"),
            "request_info": replace(self, pending=True),
            "provide_info": replace(self, pending=False),
            "respond": replace(self, state="responded", pending=False),
            "dispute": replace(self, state="assigned", disputes=self.disputes + 1),
            "accept": replace(self, state="closed"),
            "withdraw": replace(self, state="closed"),
        }[action]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Seen:
        return cls(data["state"], bool(data["pending_info_request"]), data["dispute_count"])


@dataclass
class Client:
    """One simulated client: a thread making journeys until its deadline."""

    number: int
    target: Target
    deadline: float  # no new journey after this (time.monotonic)
    race_rate: float = 0.1
    max_journeys: int = 500
    origin: float = field(default_factory=time.monotonic)
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.number * 7919 + int(self.origin))
        self.group = 0
        self.hard_deadline = self.deadline + 10

    def run(self) -> list[Outcome]:
        for journey in range(self.max_journeys):
            if time.monotonic() >= self.deadline:
                break
            self.journey(journey)
        return self.outcomes

    def journey(self, journey: int) -> None:
        created = self.submit(journey)
        if created is None:
            return
        number, token = created
        answers = self.attempt("retrieve", number, "", "GET", f"{API}/complaints/{number}/",
                               None, {"X-Access-Token": token})
        if not any(a.status == 200 for a in answers):
            return
        path = self.rng.choices(list(PATH_WEIGHTS), weights=list(PATH_WEIGHTS.values()))[0]
        officer = self.rng.choice(sorted(self.target.officer_tokens))
        seen = Seen()
        for action, who in PATHS[path]:
            if time.monotonic() >= self.hard_deadline:
                return
            seen = seen.after(action)
            if not self.step(number, token, action, who, officer, seen):
                return

    def submit(self, journey: int) -> tuple[str, str] | None:
        mode = self.rng.choices(list(SUBMIT_MODES), weights=list(SUBMIT_MODES.values()))[0]
        key = "" if mode == "plain" else uuid.uuid4().hex
        body = {
            "service": self.target.service,
            "title": f"KTP-el belum jadi (klien {self.number}, ke-{journey})",
            "description": "Sudah tiga bulan KTP-el saya belum dicetak.",
            "visibility": self.rng.choice(["public", "anonymous", "confidential"]),
            "reporter": {"name": f"Warga {self.number}",
                         "email": f"warga{self.number}@example.id"},
        }
        headers = {"Idempotency-Key": key} if key else {}
        path = f"{API}/complaints/"
        answers = self.attempt("submit", "", "", "POST", path, body, headers, key=key,
                               twin=mode == "keyed_race", retry=bool(key))
        created = next((a for a in answers if a.status == 201), None)
        if created is None:
            return None
        if mode == "keyed_retry":
            self.attempt("submit", "", "", "POST", path, body, headers, key=key)
        return created.data["tracking_number"], created.data["access_token"]

    def step(self, number: str, token: str, action: str, who: str, officer: str,
             seen: Seen) -> bool:
        if who == "citizen":
            headers = {"X-Access-Token": token}
        else:
            secret = (self.target.coordinator_token if who == "coordinator"
                      else self.target.officer_tokens[officer])
            headers = {"Authorization": f"Token {secret}"}
        answers = self.attempt(
            "transition", number, action, "POST",
            f"{API}/complaints/{number}/transitions/{action}/",
            self.payload(action, number, officer), headers,
            twin=self.rng.random() < self.race_rate)
        if any(a.status == 200 for a in answers):
            return True
        if any(a.status is None for a in answers):
            return self.confirm(number, token, seen)
        return False

    def confirm(self, number: str, token: str, seen: Seen) -> bool:
        """After an unknown outcome and no success: did the lost attempt commit?"""
        answers = self.attempt("retrieve", number, "", "GET", f"{API}/complaints/{number}/",
                               None, {"X-Access-Token": token})
        found = next((a for a in answers if a.status == 200), None)
        return found is not None and Seen.of(found.data) == seen

    def payload(self, action: str, number: str, officer: str) -> dict[str, Any]:
        return {
            "assign": {"unit": self.target.unit, "assignee": officer,
                       "complexity": self.rng.choice(["ringan", "normatif"])},
            "request_info": {"message": f"Mohon kirim nomor registrasi untuk {number}."},
            "provide_info": {"message": "Nomor registrasi 12345."},
            "respond": {"response": "KTP-el sudah dicetak dan dapat diambil."},
            "dispute": {"reason": "Belum bisa diambil."},
            "accept": {"rating": self.rng.randint(1, 5), "comment": "Terima kasih."},
            "withdraw": {"reason": "Sudah selesai sendiri."},
        }[action]

    def attempt(self, op: str, number: str, action: str, method: str, path: str, body: Any,
                headers: dict[str, str], *, key: str = "", twin: bool = False,
                retry: bool = True) -> list[Answer]:
        """Send once (or twice at once), then retry while no answer came at all."""
        self.group += 1
        answers = self.send_pair(op, number, action, method, path, body, headers, key) \
            if twin else [self.send(op, number, action, method, path, body, headers, key)]
        for attempt in range(1, RETRIES + 1 if retry else 1):
            if any(a.status is not None for a in answers) or \
                    time.monotonic() >= self.hard_deadline:
                break
            time.sleep(0.1 * attempt)
            answers.append(self.send(op, number, action, method, path, body, headers, key,
                                     after_unknown=True))
        return answers

    def send_pair(self, *args: Any) -> list[Answer]:
        answers: list[Answer] = []
        twin = threading.Thread(target=lambda: answers.append(self.send(*args, raced=True)))
        twin.start()
        mine = self.send(*args, raced=True)
        twin.join(timeout=60)
        return [mine, *answers]

    def send(self, op: str, number: str, action: str, method: str, path: str, body: Any,
             headers: dict[str, str], key: str, *, raced: bool = False,
             after_unknown: bool = False) -> Answer:
        started = time.monotonic()
        answer = request(self.target, method, path, body, headers)
        data = answer.data if isinstance(answer.data, dict) else {}
        error = data.get("error") if isinstance(data.get("error"), dict) else None
        outcome = Outcome(
            client=self.number, op=op, action=action, status=answer.status,
            tracking_number=number or str(data.get("tracking_number", "")),
            code=str(error.get("code", "")) if error else "",
            error_shape=answer.status is None or answer.status < 400 or (
                error is not None and {"code", "message", "details"} <= set(error)),
            replayed=answer.replayed, raced=raced, after_unknown=after_unknown, key=key,
            access_token=str(data.get("access_token", "")) if op == "submit" else "",
            detail=answer.error or ("" if answer.status and answer.status < 400
                                    else str(answer.data)[:300]),
            started=started - self.origin, seconds=time.monotonic() - started,
            group=self.number * 100_000 + self.group,
        )
        self.outcomes.append(outcome)  # list.append is atomic; the twin shares the list
        return answer


def start_load(target: Target, *, clients: int = 50, seconds: float = 20.0,
               race_rate: float = 0.1) -> Future[list[Outcome]]:
    """Start `clients` clients now; the future gives every outcome once all have stopped."""
    origin = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=clients + 1, thread_name_prefix="load")
    members = [Client(n, target, origin + seconds, race_rate, origin=origin)
               for n in range(clients)]
    futures = [pool.submit(m.run) for m in members]

    def gather() -> list[Outcome]:
        return [o for f in futures for o in f.result(timeout=seconds + 120)]

    result = pool.submit(gather)
    pool.shutdown(wait=False)
    return result


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    times = sorted(o.seconds for o in outcomes if o.status is not None)
    span = max((o.started + o.seconds for o in outcomes), default=0.0)

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(p * len(times)))] * 1000) if times else 0

    statuses: Counter[str] = Counter(f"{o.op} {o.status or 'no answer'}" for o in outcomes)
    return {"requests": len(outcomes), "seconds": round(span, 1),
            "per_second": round(len(outcomes) / span, 1) if span else 0,
            "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": pct(1.0),
            "statuses": dict(sorted(statuses.items()))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--service", required=True, help="service code")
    parser.add_argument("--unit", required=True, help="unit code to assign to")
    parser.add_argument("--coordinator", required=True, help="a coordinator's API token")
    parser.add_argument("--officer", action="append", required=True,
                        help="USERNAME=TOKEN of an officer of the unit (repeatable)")
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    https = url.scheme == "https"
    target = Target(url.hostname or "127.0.0.1", url.port or (443 if https else 80),
                    args.service, args.unit, args.coordinator,
                    dict(o.split("=", 1) for o in args.officer), https)
    outcomes = start_load(target, clients=args.clients, seconds=args.seconds).result()
    print(json.dumps(summary(outcomes), indent=2))


if __name__ == "__main__":
    main()
