"""What an erasure changed, and its audit record in ``platform.erasures`` (one row per zone).

The audit row names the subject only by kind and a keyed hash (the platform's key, which no zone
holds: a plain SHA-256 of an e-mail address is reversed by hashing a list of addresses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lake.backends.ledger import now

DATA_ACTIONS = ("rewrote", "deleted")  # actions that remove rows (the rest rebuild, expire or redact)


@dataclass(frozen=True)
class Change:
    zone: str | None
    target: str  # s3://bucket/key, a table, or a platform file
    action: str  # rewrote | deleted | rebuilt | expired history | redacted
    rows: int = 0

    @property
    def is_table(self) -> bool:
        return not self.target.startswith(("s3://", "platform:"))

    def line(self) -> str:
        what = f": {self.rows} row(s)" if self.action in DATA_ACTIONS else f": {self.rows}" if self.rows else ""
        if self.is_table and self.action in ("deleted", "rebuilt"):  # only the current snapshot is left
            what += ", older snapshots expired"
        return f"{self.action:<9} {self.target}{what}"


@dataclass
class ErasureReport:
    request_id: str
    run_id: str
    subject_kind: str
    subject_hash: str
    requested_at: str
    changes: list[Change] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)  # zones holding columns of the subject's kind
    erased_at: str | None = None

    def add(self, zone: str | None, target: str, action: str, rows: int = 0) -> None:
        self.changes.append(Change(zone, target, action, rows))

    @property
    def rows_removed(self) -> int:
        return sum(c.rows for c in self.changes if c.action in DATA_ACTIONS)

    def audit_rows(self) -> list[dict[str, Any]]:
        """One ``platform.erasures`` row per zone concerned (each zone sees its own), plus one for
        what belongs to no zone (unroutable files, platform records) when there was any."""
        self.erased_at = self.erased_at or now()
        zones: list[str | None] = [*sorted(self.zones | {c.zone for c in self.changes if c.zone})]
        if any(c.zone is None for c in self.changes):
            zones.append(None)
        rows = []
        for z in zones:
            mine = [c for c in self.changes if c.zone == z]
            details: dict[str, int] = {}
            for c in mine:
                if c.action in DATA_ACTIONS:
                    details[c.target] = details.get(c.target, 0) + c.rows
            rows.append({
                "request_id": self.request_id, "run_id": self.run_id, "zone": z, "subject_kind": self.subject_kind,
                "subject_hash": self.subject_hash, "requested_at": self.requested_at, "erased_at": self.erased_at,
                "tables": sorted({c.target for c in mine if c.is_table}),
                "files": sorted({c.target for c in mine if not c.is_table}),
                "rows_removed": sum(c.rows for c in mine if c.action in DATA_ACTIONS),
                "details": {"removed": details, "actions": sorted({f"{c.action} {c.target}" for c in mine})},
            })
        return rows
