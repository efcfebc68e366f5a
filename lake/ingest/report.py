"""Ingest reports: ``<file>.report.json`` beside the quarantined file or rejected rows (and under the
same quarantine prefix for a staged file the checks had something to say about, e.g. duplicate keys).

Machine-readable: a producer's tooling can act on it (``reason``, counts, and up to 100
``errors`` as {row, column, value, message}); ``errors_by_column`` sums every bad value.
"""

from __future__ import annotations

import json
from typing import Any

from lake.backends.ledger import IngestRecord, now
from lake.ingest.routing import quarantine_key


def build(rec: IngestRecord, outcome: str, reason: str | None, rows: dict[str, int], samples: list[dict],
          counts: dict[tuple[str | None, str], int], warnings: list[str],
          artefacts: dict[str, str | None], findings: dict[str, Any] | None = None) -> dict[str, Any]:
    """``findings``: what else the checks found (missing/unknown columns and "did you mean",
    duplicate keys), each under its own key."""
    return {
        "zone": rec.zone, "dataset": rec.dataset, "ingest_id": rec.ingest_id,
        "source": {"bucket": rec.source_bucket, "key": rec.source_key, "version": rec.version,
                   "sha256": rec.sha256, "size": rec.size, "arrived_at": rec.arrived_at},
        "outcome": outcome, "reason": reason, **rows,
        "errors_by_column": [{"column": c, "message": m, "count": n}
                             for (c, m), n in sorted(counts.items(), key=lambda kv: -kv[1])],
        "errors": samples, "errors_truncated": sum(counts.values()) > len(samples),
        "warnings": warnings, **(findings or {}), **artefacts, "generated_at": now(),
    }


def report_key(rec: IngestRecord) -> str | None:
    """Where the report of a quarantined or partly staged ingest is (landing bucket); None otherwise."""
    if rec.outcome not in ("quarantined", "partial"):
        return None
    if rec.quarantine_key:
        return rec.quarantine_key.removesuffix(".rejected.csv") + ".report.json"
    # a link refused before landing has no quarantined copy: its report is where that copy would be
    name = rec.source_key.rsplit("/", 1)[-1] or "object"
    return quarantine_key(rec.zone, rec.dataset, rec.arrived_at[:10], rec.ingest_id, name) + ".report.json"


def dumps(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, default=str) + "\n").encode()
