"""Quarantine reports: ``<file>.report.json`` beside the quarantined file or rejected rows.

Machine-readable: a producer's tooling can act on it (``reason``, counts, and up to 100
``errors`` as {row, column, value, message}); ``errors_by_column`` sums every bad value.
"""

from __future__ import annotations

import json
from typing import Any

from lake.backends.ledger import IngestRecord, now


def build(rec: IngestRecord, outcome: str, reason: str | None, rows: dict[str, int], samples: list[dict],
          counts: dict[tuple[str | None, str], int], warnings: list[str],
          artefacts: dict[str, str | None]) -> dict[str, Any]:
    return {
        "zone": rec.zone, "dataset": rec.dataset, "ingest_id": rec.ingest_id,
        "source": {"bucket": rec.source_bucket, "key": rec.source_key, "version": rec.version,
                   "sha256": rec.sha256, "size": rec.size, "arrived_at": rec.arrived_at},
        "outcome": outcome, "reason": reason, **rows,
        "errors_by_column": [{"column": c, "message": m, "count": n}
                             for (c, m), n in sorted(counts.items(), key=lambda kv: -kv[1])],
        "errors": samples, "errors_truncated": sum(counts.values()) > len(samples),
        "warnings": warnings, **artefacts, "generated_at": now(),
    }


def dumps(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, default=str) + "\n").encode()
