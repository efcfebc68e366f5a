"""Platform records (``platform.runs``, ``platform.quality_results``, ...): tables users query.

Locally they live in one SQLite file beside the ledger; ``lake query`` exposes each as
``platform.<name>``, filtered to the asking zone's rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from lake.backends import sqlite

SCHEMAS: dict[str, tuple[str, ...]] = {
    "quality_results": ("run_id", "zone", "table_name", "rule", "column_name", "metric", "action", "passed",
                        "failing_rows", "measured", "detail", "ingest_ids", "checked_at"),
    "approvals": ("ingest_id", "zone", "dataset", "decision", "reason", "decided_by", "decided_at"),
    # a promotion waiting for a steward on AWS: its Step Functions task token, completed by the decision
    "approval_requests": ("ingest_id", "zone", "dataset", "staged_key", "execution", "task_token", "requested_at"),
    "runs": ("run_id", "parent_run_id", "task", "zone", "table_name", "inputs", "outputs", "rows_in", "rows_out",
             "rows_quarantined", "started_at", "ended_at", "status", "error"),
    # alerts sent and not yet recovered: one per table and cause, so a repeated failure does not flood
    "open_alerts": ("table_name", "cause", "zone", "opened_at", "run_id", "subject", "zones"),
    # one row per erasure request and zone (``lake forget``): the subject only as a keyed hash, never the value
    # the last successful build of each projection: what it was built from (lake/tasks/projections/state.py)
    "projection_builds": ("zone", "table_name", "run_id", "fingerprint", "input_snapshots", "snapshot_id",
                          "built_at"),
    "erasures": ("request_id", "run_id", "zone", "subject_kind", "subject_hash", "requested_at", "erased_at",
                 "tables", "files", "rows_removed", "details"),
}


BOOLEANS = {"passed"}  # SQLite keeps 0/1; users should see true/false


class PlatformRecords(Protocol):
    """What callers use: SQLite here, DynamoDB on AWS (``lake.backends.dynamodb_records``)."""

    def add(self, table: str, **row: Any) -> None: ...

    def rows(self, table: str, zone: str | None = None) -> list[dict[str, Any]]: ...

    def delete(self, table: str, **where: Any) -> int: ...

    def redact(self, fix: Callable[[str], str]) -> dict[str, int]: ...


class Records:
    def __init__(self, path: Path):
        self.db = sqlite.connect(path)
        for name, cols in SCHEMAS.items():
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(cols)})")

    def add(self, table: str, **row: Any) -> None:
        cols = SCHEMAS[table]
        unknown = set(row) - set(cols)
        if unknown:
            raise KeyError(f"{table} has no columns {sorted(unknown)}")
        values = [json.dumps(v) if isinstance(v, (list, dict)) else v for v in (row.get(c) for c in cols)]
        self.db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", values)

    def rows(self, table: str, zone: str | None = None) -> list[dict[str, Any]]:
        q, args = f"SELECT * FROM {table}", tuple[str, ...]()
        if zone:
            q, args = q + " WHERE zone = ?", (zone,)
        rows = [dict(r) for r in self.db.execute(q, args)]
        for row in rows:
            for col in BOOLEANS & row.keys():
                row[col] = None if row[col] is None else bool(row[col])
        return rows

    def delete(self, table: str, **where: Any) -> int:
        if set(where) - set(SCHEMAS[table]):
            raise KeyError(f"{table} has no columns {sorted(set(where) - set(SCHEMAS[table]))}")
        clause = " AND ".join(f"{c} = ?" for c in where) or "1 = 1"
        return self.db.execute(f"DELETE FROM {table} WHERE {clause}", tuple(where.values())).rowcount

    def redact(self, fix: Callable[[str], str]) -> dict[str, int]:
        """Apply ``fix`` to every text value (an erasure's redaction); rows changed per table."""
        changed: dict[str, int] = {}
        for table, cols in SCHEMAS.items():
            for row in self.db.execute(f"SELECT rowid AS _rid, * FROM {table}").fetchall():
                new = {c: fix(row[c]) for c in cols if isinstance(row[c], str)}
                new = {c: v for c, v in new.items() if v != row[c]}
                if new:
                    sets = ", ".join(f"{c} = ?" for c in new)
                    self.db.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", (*new.values(), row["_rid"]))
                    changed[table] = changed.get(table, 0) + 1
        return changed
