"""What a projection was last built from, and whether it must be built again.

A successful build records (``platform.projection_builds``: SQLite locally, DynamoDB on AWS, one row
per projection) the fingerprint of its definition and the Iceberg snapshot id of each input it read.
The next run rebuilds it only when something differs: the definition, an input's current snapshot
(a promotion, an erasure, an upstream projection rebuilt earlier in the same run), a missing table,
or ``--rebuild``. Otherwise it is skipped, with the reason said.

The fingerprint covers what decides the table's content: the Athena SQL normalized (comments,
whitespace, keyword and unquoted identifier case do not count) and the Spark SQL it transpiles to
(a transpiler change that alters the statement rebuilds), or a Python projection's syntax tree
(comments and formatting do not count); its declared tests (a new test is checked by the next
run); and the platform's build format. Modules a Python projection imports are not covered.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from pyspark.sql import SparkSession
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from lake.backends.ledger import now
from lake.config import Projection
from lake.config.projection import DIALECT, parse_sql, to_spark

BUILD_FORMAT = 1  # bump when build() writes something different for the same definition and inputs
TABLE = "projection_builds"


def fingerprint(p: Projection) -> str:
    if p.is_python:
        body = ast.dump(ast.parse(p.sql))
    else:
        athena = normalize_identifiers(parse_sql(p.sql), dialect=DIALECT).sql(dialect=DIALECT, comments=False)
        body = athena + "\n" + to_spark(athena)  # what the job runs: a transpiler change counts
    tests = json.dumps([asdict(t) for t in p.tests], sort_keys=True, default=str)
    text = f"{BUILD_FORMAT}\n{'python' if p.is_python else 'sql'}\n{body}\n{tests}"
    return hashlib.sha256(text.encode()).hexdigest()


def _iceberg(spark: SparkSession, table: str) -> Any | None:
    """The Iceberg table (Java), fresh; None when it does not exist or is not an Iceberg table."""
    if not spark.catalog.tableExists(table):
        return None
    jvm: Any = spark._jvm  # type: ignore[attr-defined]
    try:
        t = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, table)
        t.refresh()  # the session's catalog caches tables; another process may have committed since
    except Exception:  # noqa: BLE001 - Py4J: not an Iceberg table (a Glue Parquet table)
        return None
    return t


EMPTY = 0  # Iceberg snapshot ids are random positive longs: 0 is never one


def current_snapshot(spark: SparkSession, table: str) -> int | None:
    """The table's current Iceberg snapshot id (metadata only, no Spark job); ``EMPTY`` for an Iceberg
    table with no snapshot yet (empty, and unchanged while it stays so); None when the table does not
    exist or is not an Iceberg table."""
    t = _iceberg(spark, table)
    if t is None:
        return None
    snap = t.currentSnapshot()
    return int(snap.snapshotId()) if snap is not None else EMPTY


def rows_now(spark: SparkSession, table: str) -> int:
    """Rows in the table's current snapshot (main's: an audit branch's write can be newer), from
    Iceberg's snapshot summary (no Spark job); 0 before a first snapshot; counted when the summary
    does not say or the table is not an Iceberg table."""
    t = _iceberg(spark, table)
    snap = t.currentSnapshot() if t is not None else None
    if t is not None and snap is None:
        return 0
    total = snap.summary().get("total-records") if snap is not None else None
    return int(total) if total is not None else spark.table(table).count()


def only_compacted(spark: SparkSession, table: str, since: int, now_id: int) -> bool:
    """Whether every snapshot after ``since`` up to ``now_id`` only rewrote files ('replace': compaction,
    same rows), so a projection built from ``since`` is still up to date. False when ``since`` is no
    longer an ancestor (expired, or the table was replaced)."""
    t = _iceberg(spark, table)
    if t is None:
        return False
    snap = t.snapshot(now_id)
    while snap is not None and int(snap.snapshotId()) != since:
        if str(snap.operation()) != "replace":
            return False
        parent = snap.parentId()
        snap = t.snapshot(parent) if parent is not None else None
    return snap is not None


@dataclass
class BuildRecord:
    table: str
    fingerprint: str
    inputs: dict[str, int | None]
    run_id: str | None = None
    snapshot_id: int | None = None
    built_at: str = field(default_factory=now)


def load(records: Any, zones: list[str]) -> dict[str, BuildRecord]:
    """The last successful build of every projection of ``zones``."""
    out: dict[str, BuildRecord] = {}
    for zone in zones:
        for r in records.rows(TABLE, zone):
            inputs = json.loads(r["input_snapshots"] or "{}")
            out[r["table_name"]] = BuildRecord(r["table_name"], r["fingerprint"], inputs, r["run_id"],
                                               r["snapshot_id"], r["built_at"])
    return out


def save(records: Any, rec: BuildRecord) -> None:
    """Replace the projection's record (one row per projection, as ``open_alerts`` does)."""
    zone = rec.table.split("_analytics.")[0]
    records.delete(TABLE, zone=zone, table_name=rec.table)
    # snapshot ids are 64-bit: kept as text so that every backend stores them exactly
    records.add(TABLE, zone=zone, table_name=rec.table, run_id=rec.run_id, fingerprint=rec.fingerprint,
                input_snapshots=json.dumps({k: None if v is None else str(v) for k, v in rec.inputs.items()}),
                snapshot_id=None if rec.snapshot_id is None else str(rec.snapshot_id), built_at=rec.built_at)


def _same(old: Any, new: int | None) -> bool:
    return old is not None and new is not None and str(old) == str(new)


def why_due(p: Projection, last: BuildRecord | None, fp: str, inputs: dict[str, int | None],
            compacted: Callable[[str, int, int], bool] = lambda table, since, now_id: False) -> str | None:
    """Why ``p`` must be built again, or None when its definition and inputs are as at its last build
    (an input only compacted since, as ``compacted`` tells, counts as unchanged)."""
    if last is None:
        return "no successful build recorded"
    if last.fingerprint != fp:
        return "definition changed"
    untracked = sorted(t for t, s in inputs.items() if s is None)
    if untracked:
        return f"input without a snapshot id: {', '.join(untracked)}"
    moved = sorted(t for t, s in inputs.items() if not _same(last.inputs.get(t), s))
    moved = [t for t in moved if last.inputs.get(t) is None
             or not compacted(t, int(str(last.inputs[t])), int(inputs[t] or 0))]
    if moved:
        return f"input changed: {', '.join(moved)}"
    return None
