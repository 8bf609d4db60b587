"""The SQL of the baselines: what PostgreSQL and a bare view can do for the same answer."""

from __future__ import annotations

from api.exports.postgres import complaint_joins
from workflow.states import ClockName

PING_TABLE = "bench_ping"

LIST_COLUMNS = ("id, tracking_number, state, title, service_id, agency_id, unit_id, "
                "assignee_id, received_at, updated_at")

# shape: (SQL, query-string parameters). Each is the queue's filter on the index that serves
# it (complaint_assignee_state, complaint_agency_state), 50 rows, in a stable order.
LIST_SHAPES = {
    "officer": (f"SELECT {LIST_COLUMNS} FROM complaints_complaint "
                "WHERE assignee_id = %s AND state = ANY(%s) ORDER BY id LIMIT 50",
                ("assignee_id", "state[]")),
    "coordinator": (f"SELECT {LIST_COLUMNS} FROM complaints_complaint "
                    "WHERE agency_id = %s AND state = %s ORDER BY id LIMIT 50",
                    ("agency_id", "state")),
}

ONE_ROW = "SELECT * FROM complaints_complaint WHERE tracking_number = %s"


def insert_row() -> str:
    return f"INSERT INTO {PING_TABLE} (body) VALUES (%s::jsonb) RETURNING id"


CREATE_PING = (f"CREATE TABLE IF NOT EXISTS {PING_TABLE} (id bigserial PRIMARY KEY, "
               "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")


def _status(alias: str) -> str:
    # The one status rule of workflow.models.status_conditions, at now().
    return (f"CASE WHEN {alias}.stopped_at IS NOT NULL THEN CASE WHEN {alias}.stopped_at <= "
            f"{alias}.due_at THEN 'met' ELSE 'breached' END "
            f"WHEN {alias}.paused_at IS NOT NULL THEN 'paused' "
            f"WHEN {alias}.due_at < now() THEN 'breached' "
            f"WHEN {alias}.warn_at <= now() THEN 'at_risk' ELSE 'running' END")


EXPORT_COLUMNS = (
    "c.tracking_number", "c.state", "a.code", "a.name", "u.code", "s.code", "s.name",
    "st.version", "c.channel", "c.visibility", "c.classification", "c.complexity", "c.title",
    "c.description", "c.location_text", "c.latitude", "c.longitude", "au.username",
    "c.received_at", "c.assigned_at", "c.first_answered_at", "c.responded_at", "c.closed_at",
    "c.updated_at", "c.closure_reason", "c.rejection_reason", "d.tracking_number",
    "r.tracking_number", "c.referred_to_agency", "c.dispute_count", "f.rating", "f.comment")


def export_copy() -> str:
    """COPY of the columns of exports/complaints.csv (api.exports.complaints.CSV_HEADER):
    the complaint with its names, and for each clock its latest cycle's deadline, status and
    breach and its number of cycles, then the event count and the last event hash; in the
    export's order. As in the export (api.exports.postgres), each complaint's clocks and
    events are looked up in the order the complaints are read, and the rows sorted after."""
    clocks = []
    for name in ClockName.values:
        latest = f"k.name = '{name}' AND k.latest"
        clocks += [
            f"max(k.due_at) FILTER (WHERE {latest})",
            f"max(k.status) FILTER (WHERE {latest})",
            f"max(k.breached) FILTER (WHERE {latest})",
            f"count(*) FILTER (WHERE k.name = '{name}')",
        ]
    columns = [*EXPORT_COLUMNS, *(f"k{i}" for i in range(len(clocks))),
               "(SELECT count(*) FROM workflow_event e WHERE e.complaint_id = c.id)",
               "(SELECT e.hash FROM workflow_event e WHERE e.complaint_id = c.id "
               "ORDER BY e.seq DESC LIMIT 1)"]
    named = [f"{sql} AS v{i}" for i, sql in enumerate(columns)]
    return f"""COPY (
SELECT {", ".join(f"v{i}" for i in range(len(columns)))} FROM (
SELECT {", ".join(named)}, c.updated_at AS export_order, c.id AS export_id
{complaint_joins()}CROSS JOIN LATERAL (
    SELECT {", ".join(f"{sql} AS k{i}" for i, sql in enumerate(clocks))}
    FROM (SELECT k.name, k.due_at, {_status("k")} AS status,
                 coalesce(k.breached_at, CASE WHEN k.stopped_at IS NULL AND k.paused_at IS NULL
                          AND k.due_at < now() OR k.stopped_at > k.due_at THEN k.due_at END)
                     AS breached,
                 k.cycle = max(k.cycle) OVER (PARTITION BY k.name) AS latest
          FROM workflow_clock k WHERE k.complaint_id = c.id) k
) clocks
OFFSET 0
) rows
ORDER BY export_order, export_id
) TO STDOUT (FORMAT csv, HEADER)"""


def events_copy() -> str:
    """COPY of the change feed's fields, in the feed's order, from the start."""
    return """COPY (
SELECT c.tracking_number, e.seq, e.action, e.actor_label, e.role, e.occurred_at,
       e.from_state, e.to_state, e.payload, e.prev_hash, e.hash, e.txid || '-' || e.id
FROM workflow_event e JOIN complaints_complaint c ON c.id = e.complaint_id
WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY e.txid, e.id
) TO STDOUT"""


def statistics_count(where: str) -> str:
    """The complaints `where` selects (alias c) counted by agency, service and state: the
    least the statistics read, in one pass over the table."""
    return (f"SELECT c.agency_id, c.service_id, c.state, count(*) FROM complaints_complaint c "
            f"WHERE {where} GROUP BY 1, 2, 3")
