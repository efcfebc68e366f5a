"""The ingest ledger: one record per ingress object version, and its terminal outcome.

Local: SQLite under ``$LAKE_HOME/platform``. AWS: DynamoDB with conditional writes
(``lake.backends.dynamodb_ledger``). Both honour the same contract: claiming an object version
twice yields one ingest and one ``duplicate`` record, never two ingests; ``start`` lets exactly
one validator work on an ingest at a time (a lease, so a crashed run is retried).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from lake.backends import sqlite

OUTCOMES = ("received", "validating", "staged", "partial", "quarantined", "duplicate", "ignored")
TERMINAL = ("staged", "partial", "quarantined", "duplicate", "ignored")
INT_COLUMNS = ("size", "rows_read", "rows_staged", "rows_quarantined", "attempts", "replays")
JSON_COLUMNS = ("warnings", "columns")
MAX_ATTEMPTS = 3  # validations of one ingest that may fail before the file is quarantined instead


def clock() -> datetime:
    """The ledger's time (one place, so tests can move it instead of sleeping)."""
    return datetime.now(UTC)


def now() -> str:
    return clock().isoformat(timespec="milliseconds")


def new_ingest_id() -> str:
    # Sortable by time, unique without coordination (as a Lambda needs).
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:12]


@dataclass
class IngestRecord:
    ingest_id: str
    zone: str | None
    dataset: str | None
    source_bucket: str
    source_key: str
    version: str  # S3 version id / ETag; locally the SHA-256 of the bytes
    sha256: str
    size: int
    arrived_at: str
    outcome: str = "received"
    reason: str | None = None
    landing_key: str | None = None
    staged_key: str | None = None
    quarantine_key: str | None = None
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    warnings: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    completed_at: str | None = None
    promoted_at: str | None = None
    promotion_run_id: str | None = None
    runner: str | None = None  # "lambda" or "glue": who validated it (big files go to Glue)
    started_at: str | None = None  # when the current validation lease began
    erased_by: str | None = None  # the last erasure request that rewrote this ingest's objects
    erased_at: str | None = None
    lease_owner: str | None = None  # host:pid:start of the process holding the claim or validation lease
    renewed_at: str | None = None  # the lease's last heartbeat: it lapses lease_seconds after this
    attempts: int = 0  # validations started; past MAX_ATTEMPTS failures the file is quarantined
    # The contract columns the file carried (None: every column, as records written before this was
    # kept): the promotion updates only these, so a column absent from a file never nulls ODS values.
    columns: list[str] | None = None
    replays: int = 0  # `lake replay` re-validations of a quarantined file (each a new attempt of this ingest)
    replayed_at: str | None = None
    acknowledged_at: str | None = None  # `lake acknowledge`: a steward closed this quarantine without a replay
    acknowledged_by: str | None = None  # who, and why


# What a replay resets: the ingest starts over from its landing copy, as if just landed.
REOPENED: dict[str, Any] = {
    "outcome": "received", "reason": None, "staged_key": None, "quarantine_key": None, "rows_read": 0,
    "rows_staged": 0, "rows_quarantined": 0, "warnings": [], "columns": None, "completed_at": None,
    "runner": None, "started_at": None, "renewed_at": None, "lease_owner": None, "attempts": 0,
    "acknowledged_at": None, "acknowledged_by": None}


def open_quarantine(rec: IngestRecord) -> bool:
    """A file quarantine nobody has resolved yet: replaying it successfully or acknowledging it closes it;
    a later clean file of the same dataset does not."""
    return rec.outcome == "quarantined" and rec.acknowledged_at is None


COLUMNS = list(IngestRecord.__dataclass_fields__)


class Ledger(Protocol):
    def claim(self, record: IngestRecord) -> IngestRecord: ...
    def complete(self, ingest_id: str, **fields: Any) -> None: ...
    def get(self, ingest_id: str) -> IngestRecord | None: ...
    def records(self, zone: str | None = None) -> list[IngestRecord]: ...
    def seen(self, source_bucket: str, source_key: str) -> set[str]: ...
    def pending_promotion(self, zone: str, dataset: str) -> list[IngestRecord]: ...
    def mark_promoted(self, ingest_ids: list[str], run_id: str) -> None: ...
    def start(self, ingest_id: str, runner: str, lease_seconds: int = 900, holder: str | None = None) -> bool: ...
    def renew(self, ingest_id: str, holder: str, lease_seconds: int = 900) -> bool: ...
    def unfinished(self, older_than_seconds: int = 900) -> list[IngestRecord]: ...
    def erased(self, ingest_id: str, request_id: str, **fields: Any) -> None: ...
    def reopen(self, ingest_id: str) -> bool: ...
    def claim_content(self, zone: str, dataset: str, sha256: str, ingest_id: str) -> str: ...


def _ago(seconds: int) -> str:
    return (clock() - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def lapsed(rec: IngestRecord, cutoff: str) -> bool:
    """Whether nobody works on this unfinished ingest any more: its lease was given back (no holder),
    its holder's process is gone (this host), or it was last renewed (a claim: arrived) before ``cutoff``."""
    from lake.backends.holder import is_dead

    released = rec.lease_owner is None and rec.outcome == "received"
    return released or is_dead(rec.lease_owner) or (rec.renewed_at or rec.started_at or rec.arrived_at) < cutoff


class SqliteLedger:
    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite.connect(path)
        cols = ", ".join(f"{c} {'INTEGER' if c in INT_COLUMNS else 'TEXT'}" for c in COLUMNS)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS ingest_ledger ({cols}, PRIMARY KEY (ingest_id))")
        # A ledger written by an older release lacks newer columns: add them, never rewrite rows.
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(ingest_ledger)")}
        for c in COLUMNS:
            if c not in have:
                self.db.execute(f"ALTER TABLE ingest_ledger ADD COLUMN {c} {'INTEGER' if c in INT_COLUMNS else 'TEXT'}")
        # The identity of an object version: at most one real ingest each, enforced by the DB.
        self.db.execute("CREATE UNIQUE INDEX IF NOT EXISTS one_ingest_per_version ON ingest_ledger"
                        "(source_bucket, source_key, version) WHERE duplicate_of IS NULL")
        # The first ingest of each content (bytes) per dataset: the same bytes under a new name are a duplicate.
        self.db.execute("CREATE TABLE IF NOT EXISTS content_claims (zone TEXT, dataset TEXT, sha256 TEXT,"
                        " ingest_id TEXT, PRIMARY KEY (zone, dataset, sha256))")

    def _row(self, rec: IngestRecord) -> dict[str, Any]:
        return _encode(asdict(rec))

    def _rec(self, row: sqlite3.Row) -> IngestRecord:
        d = dict(row)
        d["warnings"] = json.loads(d["warnings"] or "[]")
        d["columns"] = json.loads(d["columns"]) if d["columns"] else None
        d["replays"] = d["replays"] or 0
        return IngestRecord(**d)

    def claim(self, record: IngestRecord) -> IngestRecord:
        """Insert the ingest, or, if this object version was claimed before, a duplicate record."""
        sql = f"INSERT INTO ingest_ledger ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})"
        try:
            self.db.execute(sql, self._row(record))
            return record
        except sqlite3.IntegrityError:
            first = self.db.execute(
                "SELECT ingest_id FROM ingest_ledger WHERE source_bucket=? AND source_key=? AND version=?"
                " AND duplicate_of IS NULL", (record.source_bucket, record.source_key, record.version)).fetchone()
            dup = IngestRecord(**{**asdict(record), "outcome": "duplicate", "duplicate_of": first["ingest_id"],
                                  "reason": f"same object version as ingest {first['ingest_id']}",
                                  "completed_at": now()})
            self.db.execute(sql, self._row(dup))
            return dup

    def complete(self, ingest_id: str, **fields: Any) -> None:
        fields = _encode(fields)
        fields.setdefault("completed_at", now())
        sets = ", ".join(f"{k}=:{k}" for k in fields)
        self.db.execute(f"UPDATE ingest_ledger SET {sets} WHERE ingest_id=:ingest_id",
                        {**fields, "ingest_id": ingest_id})

    def get(self, ingest_id: str) -> IngestRecord | None:
        row = self.db.execute("SELECT * FROM ingest_ledger WHERE ingest_id=?", (ingest_id,)).fetchone()
        return self._rec(row) if row else None

    def records(self, zone: str | None = None) -> list[IngestRecord]:
        q, args = "SELECT * FROM ingest_ledger", cast(tuple[str, ...], ())
        if zone:
            q, args = q + " WHERE zone=?", (zone,)
        return [self._rec(r) for r in self.db.execute(q + " ORDER BY arrived_at, rowid", args)]

    def seen(self, source_bucket: str, source_key: str) -> set[str]:
        rows = self.db.execute("SELECT version FROM ingest_ledger WHERE source_bucket=? AND source_key=?",
                               (source_bucket, source_key))
        return {r["version"] for r in rows}

    def pending_promotion(self, zone: str, dataset: str) -> list[IngestRecord]:
        rows = self.db.execute(
            "SELECT * FROM ingest_ledger WHERE zone=? AND dataset=? AND outcome IN ('staged','partial')"
            " AND promoted_at IS NULL AND rows_staged > 0 ORDER BY arrived_at, rowid", (zone, dataset))
        return [self._rec(r) for r in rows]

    def mark_promoted(self, ingest_ids: list[str], run_id: str) -> None:
        ts = now()
        self.db.executemany("UPDATE ingest_ledger SET promoted_at=?, promotion_run_id=? WHERE ingest_id=?",
                            [(ts, run_id, i) for i in ingest_ids])

    def start(self, ingest_id: str, runner: str, lease_seconds: int = 900, holder: str | None = None) -> bool:
        """Take the validation lease: true for exactly one caller while a lease is live. A lease is
        live until its holder's process dies (this host) or it goes unrenewed for ``lease_seconds``."""
        rec = self.get(ingest_id)
        if rec is None or rec.outcome not in ("received", "validating"):
            return False
        if rec.outcome == "validating" and not lapsed(rec, _ago(lease_seconds)):
            return False
        ts = now()
        # Conditional on the row being as read: of two takers only one changes it.
        cur = self.db.execute(
            "UPDATE ingest_ledger SET outcome='validating', runner=?, started_at=?, renewed_at=?, lease_owner=?,"
            " attempts=COALESCE(attempts, 0)+1 WHERE ingest_id=? AND outcome=? AND lease_owner IS ?"
            " AND renewed_at IS ? AND started_at IS ?",
            (runner, ts, ts, holder, ingest_id, rec.outcome, rec.lease_owner, rec.renewed_at, rec.started_at))
        return cur.rowcount == 1

    def renew(self, ingest_id: str, holder: str, lease_seconds: int = 900) -> bool:
        """Push the lease forward (the heartbeat); False once another holder has it. Runs on the
        heartbeat's thread, hence its own connection."""
        db = sqlite.connect(self.path)
        try:
            cur = db.execute("UPDATE ingest_ledger SET renewed_at=? WHERE ingest_id=? AND outcome='validating'"
                             " AND lease_owner=?", (now(), ingest_id, holder))
            return cur.rowcount == 1
        finally:
            db.close()

    def unfinished(self, older_than_seconds: int = 900) -> list[IngestRecord]:
        """Ingests stuck before a terminal outcome (a crashed receiver or validator): their holder
        died, or nobody renewed them for ``older_than_seconds``."""
        cutoff = _ago(older_than_seconds)
        rows = self.db.execute("SELECT * FROM ingest_ledger WHERE outcome IN ('received','validating')"
                               " ORDER BY arrived_at, rowid")
        return [r for r in map(self._rec, rows) if lapsed(r, cutoff)]

    def erased(self, ingest_id: str, request_id: str, **fields: Any) -> None:
        """An erasure rewrote this ingest's objects: record it, and the objects as they now are
        (``version``/``sha256``/``size``). The new version counts as seen, so the sweep does not
        ingest the rewritten object again; if another ingest already claimed those exact bytes,
        they are seen already and this record keeps its version."""
        values = _encode({**fields, "erased_by": request_id, "erased_at": now(), "ingest_id": ingest_id})
        sets = ", ".join(f"{k}=:{k}" for k in values if k != "ingest_id")
        try:
            self.db.execute(f"UPDATE ingest_ledger SET {sets} WHERE ingest_id=:ingest_id", values)
        except sqlite3.IntegrityError:
            values.pop("version", None)
            sets = ", ".join(f"{k}=:{k}" for k in values if k != "ingest_id")
            self.db.execute(f"UPDATE ingest_ledger SET {sets} WHERE ingest_id=:ingest_id", values)

    def reopen(self, ingest_id: str) -> bool:
        """Start a quarantined ingest over (``lake replay``): true for exactly one caller, and only while
        it is quarantined with a landing copy to validate again."""
        values = _encode({**REOPENED, "replayed_at": now(), "ingest_id": ingest_id})
        sets = ", ".join(f"{k}=:{k}" for k in values if k != "ingest_id")
        cur = self.db.execute(f"UPDATE ingest_ledger SET {sets}, replays=COALESCE(replays, 0)+1 WHERE"
                              " ingest_id=:ingest_id AND outcome='quarantined' AND landing_key IS NOT NULL", values)
        return cur.rowcount == 1

    def claim_content(self, zone: str, dataset: str, sha256: str, ingest_id: str) -> str:
        """Claim these bytes for this dataset: the ingest that claimed them first (this one, if none did)."""
        self.db.execute("INSERT OR IGNORE INTO content_claims VALUES (?, ?, ?, ?)", (zone, dataset, sha256, ingest_id))
        row = self.db.execute("SELECT ingest_id FROM content_claims WHERE zone=? AND dataset=? AND sha256=?",
                              (zone, dataset, sha256)).fetchone()
        return str(row["ingest_id"])


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    """List-valued fields as SQLite stores them (JSON text; None stays NULL)."""
    return {k: json.dumps(v) if k in JSON_COLUMNS and v is not None else v for k, v in fields.items()}
