"""Whether ``lake run`` has work, decided from the ledger and the tables' metadata files, without Spark.

An idle scheduled run used to start a JVM (seconds of CPU) only to learn that nothing was pending and
every projection was unchanged. The same questions have answers in files: the ledger says what is
pending promotion; the local Iceberg (Hadoop) catalog's ``version-hint.text`` and ``vN.metadata.json``
say each table's current snapshot and schema, as Spark's catalog would read them.

The answer errs towards work: anything this cannot decide exactly (a table not written yet, a column
type it does not map, an input only compacted since the last build, ``--rebuild``) is "not idle", and
the run goes through Spark as before, which decides as it always did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lake import approvals
from lake.config import evolution
from lake.runtime.context import Context
from lake.tasks.projections import state as build_state
from lake.tasks.projections.plan import build_order

if TYPE_CHECKING:  # the builds' module (Spark SQL, the guard) is imported for an idle run's report only
    from lake.tasks.projections.build import Build

# Iceberg's primitive types as Spark names them (DataType.simpleString): what evolution.plan compares.
_SPARK_TYPES = {"boolean": "boolean", "int": "int", "long": "bigint", "float": "float", "double": "double",
                "date": "date", "string": "string", "timestamptz": "timestamp", "timestamp": "timestamp_ntz",
                "binary": "binary"}
_DECIMAL = re.compile(r"decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def metadata(warehouse: Path, table: str) -> dict[str, Any] | None:
    """The table's current metadata as Iceberg's Hadoop catalog finds it: the version the hint names,
    or a newer one a writer committed before it could update the hint; None when there is none."""
    namespace, name = table.split(".")
    meta = warehouse / namespace / name / "metadata"
    try:
        version = int((meta / "version-hint.text").read_text().strip())
    except (OSError, ValueError):
        return None
    while (meta / f"v{version + 1}.metadata.json").exists():
        version += 1
    try:
        return json.loads((meta / f"v{version}.metadata.json").read_text())
    except (OSError, ValueError):
        return None


def snapshot_id(md: dict[str, Any]) -> int:
    """The current snapshot id, ``EMPTY`` before a first snapshot (as state.current_snapshot says)."""
    current = md.get("current-snapshot-id")
    return build_state.EMPTY if current is None or current == -1 else int(current)


def spark_columns(md: dict[str, Any]) -> dict[str, str] | None:
    """The current schema's columns and their Spark simple types; None when a type has no plain mapping."""
    schema = next((s for s in md.get("schemas", []) if s.get("schema-id") == md.get("current-schema-id")),
                  md.get("schema"))
    if not schema:
        return None
    out = {}
    for f in schema.get("fields", []):
        kind = f.get("type")
        if not isinstance(kind, str):
            return None  # struct, list, map: left to Spark
        decimal = _DECIMAL.fullmatch(kind)
        spark = f"decimal({decimal[1]},{decimal[2]})" if decimal else _SPARK_TYPES.get(kind)
        if spark is None:
            return None
        out[f["name"]] = spark
    return out


def _promotion_idle(ctx: Context, zone: str, dataset: str) -> bool:
    """Nothing promotable is pending, and the ODS table exists with the contract's columns (what
    to_ods.promote checks before it leaves a table alone)."""
    if approvals.promotable(ctx, zone, dataset, ctx.ledger.pending_promotion(zone, dataset)):
        return False
    md = metadata(ctx.home.warehouse, f"{zone}_ods.{dataset}")
    columns = spark_columns(md) if md is not None else None
    if columns is None:
        return False
    plan = evolution.plan(ctx.cfg.zones[zone].datasets[dataset], columns)
    return not (plan.changes or plan.breaking)


def idle_builds(ctx: Context, zone: str | None, force: Collection[str] = ()) -> list[Build] | None:
    """The "unchanged" builds of an idle run (every projection of ``zone``, or of all zones, in build
    order, as lake/tasks/projections/build.rebuild reports them), when nothing is to be promoted and no
    projection is due; None when the run has work (or this cannot tell without Spark)."""
    if force:
        return None
    zones = [ctx.cfg.zones[zone]] if zone else list(ctx.cfg.zones.values())
    if not all(_promotion_idle(ctx, z.name, name) for z in zones for name in z.datasets):
        return None
    last = build_state.load(ctx.records, [z.name for z in zones])
    snapshots: dict[str, int | None] = {}

    def snapshot(table: str) -> int | None:
        if table not in snapshots:
            md = metadata(ctx.home.warehouse, table)
            snapshots[table] = None if md is None else snapshot_id(md)
        return snapshots[table]

    from lake.tasks.projections.build import unchanged

    builds = []
    for p in build_order(ctx.cfg):
        if zone is not None and p.zone != zone:
            continue
        if snapshot(p.table) is None:
            return None  # not built yet
        inputs = {t: snapshot(t) for t in sorted(p.reads)}
        if build_state.why_due(p, last.get(p.table), build_state.fingerprint(p), inputs) is not None:
            return None  # why_due without `compacted`: a compacted input goes to Spark, which can tell
        builds.append(unchanged(p, last))
    return builds
