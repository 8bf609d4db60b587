"""The audit event chain: append and verify.

An event's hash is sha256(prev_hash + canonical JSON of its fields). The canonical form is
documented in docs/audit.md so that anyone holding an export can recompute it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models.expressions import RawSQL

from workflow.models import Event

if TYPE_CHECKING:
    from complaints.models import Complaint
    from workflow.permissions import Actor


def format_time(value: dt.datetime) -> str:
    """UTC with microseconds and a Z: one spelling, whatever the database returns."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_fields(
    *, tracking_number: str, seq: int, action: str, actor: str, role: str,
    occurred_at: dt.datetime, from_state: str, to_state: str, payload: dict[str, Any],
) -> dict[str, Any]:
    return {
        "tracking_number": tracking_number,
        "seq": seq,
        "action": action,
        "actor": actor,
        "role": role,
        "occurred_at": format_time(occurred_at),
        "from_state": from_state,
        "to_state": to_state,
        "payload": payload,
    }


def compute_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def event_fields(event: Event, tracking_number: str) -> dict[str, Any]:
    return canonical_fields(
        tracking_number=tracking_number, seq=event.seq, action=event.action,
        actor=event.actor_label, role=event.role, occurred_at=event.occurred_at,
        from_state=event.from_state, to_state=event.to_state, payload=event.payload,
    )


def current_txid() -> Any:
    """The writing transaction's id, as an expression evaluated by the INSERT itself."""
    if connection.vendor == "postgresql":
        return RawSQL("pg_current_xact_id()::text::bigint", [])
    return 0


def append_event(
    complaint: Complaint, *, action: str, actor: Actor, role: str, now: dt.datetime,
    from_state: str = "", to_state: str = "", payload: dict[str, Any] | None = None,
    first: bool = False,
) -> Event:
    """Append one event to the complaint's chain (`first`: start it, for a complaint created
    in this transaction). The caller holds the complaint's row lock, which is what keeps
    `seq` and `prev_hash` from racing."""
    # With "complaint": the related manager sets it on what it returns, which would
    # otherwise load the deferred field with one more query.
    last = None if first else (complaint.events.order_by("-seq")
                               .only("complaint", "seq", "hash").first())
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else ""
    payload = payload or {}
    fields = canonical_fields(
        tracking_number=complaint.tracking_number, seq=seq, action=action, actor=actor.label,
        role=role, occurred_at=now, from_state=from_state, to_state=to_state, payload=payload,
    )
    return Event.objects.create(
        txid=current_txid(),
        complaint=complaint, seq=seq, action=action,
        actor=actor.user if actor.kind == "staff" else None, actor_label=actor.label,
        role=role, occurred_at=now, from_state=from_state, to_state=to_state,
        payload=payload, prev_hash=prev_hash, hash=compute_hash(prev_hash, fields),
    )


@dataclass(frozen=True)
class ChainReport:
    tracking_number: str
    ok: bool
    events: int
    broken_seq: int | None = None
    reason: str = ""


def verify_events(tracking_number: str, events: Iterable[Event]) -> ChainReport:
    """Check one complaint's events, in seq order: numbering without gaps, each linked to
    the previous hash, and each hash recomputed from the stored fields."""
    prev_hash = ""
    count = 0
    for expected_seq, event in enumerate(events, start=1):
        count += 1
        if event.seq != expected_seq:
            return ChainReport(tracking_number, False, count, event.seq,
                               f"expected event {expected_seq}, found {event.seq}")
        if event.prev_hash != prev_hash:
            return ChainReport(tracking_number, False, count, event.seq,
                               "prev_hash does not match the previous event")
        if compute_hash(prev_hash, event_fields(event, tracking_number)) != event.hash:
            return ChainReport(tracking_number, False, count, event.seq,
                               "hash does not match the event's contents")
        prev_hash = event.hash
    if not count:
        # Every chain starts with the submission, in the transaction that creates the
        # complaint: a complaint without events has lost its whole chain.
        return ChainReport(tracking_number, False, 0, 1, "the complaint has no events")
    return ChainReport(tracking_number, True, count)


def verify_complaint(complaint: Complaint) -> ChainReport:
    # Read at once: a complaint has tens of events, and a server-side cursor outside a
    # transaction does not survive a pooler that hands out connections per transaction.
    return verify_events(complaint.tracking_number, list(complaint.events.order_by("seq")))
