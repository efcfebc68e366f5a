"""The ``vacuum`` task: physically remove what an erasure deleted from the Iceberg tables.

After ``erase`` has deleted a data subject's rows, the ODS and analytics tables still hold them
in their earlier snapshots (time travel) and in the data files only those snapshots reference.
For every Iceberg table of the zones that hold personal data (``--zones``), this job

1. rewrites the data files that row-level delete files still mask (merge-on-read tables; the
   lake's own tables are copy-on-write, so there is usually nothing to do),
2. expires every snapshot but the current one, deleting the files only they referenced,
3. deletes orphan files (from failed writes) older than ``--orphan_min_age_minutes``, the
   longest any writer runs: a younger file may belong to a commit still in flight. An orphan
   younger than that is left for the next run.

Iceberg deletes through S3: on the lake's versioned buckets that leaves delete markers (which
replicate), and lifecycle expires the hidden versions a day later. Time travel to before the
erasure goes with it: that is the point. Idempotent: a second run finds nothing to remove.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from pyspark.sql import SparkSession

from lake.runtime import runlog
from lake.runtime.context import Context
from lake.tasks.erase.tables import remove_orphans

LAYERS = ("ods", "analytics")


@dataclass
class Vacuumed:
    table: str
    rewritten_files: int = 0
    expired_data_files: int = 0
    orphan_files: int = 0
    error: str | None = None


def tables(spark: SparkSession, zones: list[str]) -> list[str]:
    """Every table of the zones' ODS and analytics databases (held-back rows and tombstones too)."""
    out = []
    for zone in zones:
        for layer in LAYERS:
            db = f"{zone}_{layer}"
            if not spark.sql(f"SHOW NAMESPACES LIKE '{db}'").collect():
                continue  # nothing built in this layer yet (locally; on AWS the zone stack creates it)
            rows = spark.sql(f"SHOW TABLES IN {db}").collect()
            out += [f"{db}.{r['tableName']}" for r in rows if not r["isTemporary"]]
    return sorted(out)


def _ts(at: datetime) -> str:
    return f"TIMESTAMP '{at.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}+00:00'"


def vacuum_table(spark: SparkSession, table: str, now: datetime, orphan_min_age: timedelta) -> Vacuumed:
    catalog = spark.catalog.currentCatalog()
    call = f"CALL {catalog}.system"
    out = Vacuumed(table)
    if spark.sql(f"SELECT count(*) AS n FROM {table}.delete_files").first()["n"]:  # type: ignore[index]
        row = spark.sql(f"{call}.rewrite_data_files(table => '{table}', "
                        "options => map('delete-file-threshold', '1', 'min-input-files', '1'))").first()
        out.rewritten_files = int(row["rewritten_data_files_count"]) if row else 0
    row = spark.sql(f"{call}.expire_snapshots(table => '{table}', older_than => {_ts(now)}, retain_last => 1)").first()
    out.expired_data_files = int(row["deleted_data_files_count"]) if row else 0
    out.orphan_files = remove_orphans(spark, catalog, table, int((now - orphan_min_age).timestamp() * 1000))
    return out


def vacuum(spark: SparkSession, zones: list[str], orphan_min_age: timedelta,
           now: datetime | None = None) -> list[Vacuumed]:
    """Vacuum every table; one table failing does not stop the others (the run fails at the end)."""
    now = now or datetime.now(UTC)
    results = []
    for table in tables(spark, zones):
        try:
            results.append(vacuum_table(spark, table, now, orphan_min_age))
        except Exception as err:  # noqa: BLE001 - reported per table, the job fails below
            results.append(Vacuumed(table, error=f"{type(err).__name__}: {err}"[:500]))
    return results


def vacuum_task(spark: SparkSession, ctx: Context, zones: list[str], orphan_min_age: timedelta,
                parent_run_id: str | None = None) -> list[Vacuumed]:
    """``vacuum`` as a recorded run: one ``platform.runs`` row (outputs: the tables it vacuumed), one
    JSON log line per table; the run fails when any table did."""
    with runlog.task_run(ctx, "vacuum", parent_run_id=parent_run_id) as run:
        results = vacuum(spark, zones, orphan_min_age)
        for r in results:
            runlog.log_event(ctx, "vacuumed", run, **asdict(r))
        run.outputs = [r.table for r in results if not r.error]
        run.rows_out = sum(r.expired_data_files + r.orphan_files for r in results)
        failed = [r for r in results if r.error]
        if failed:
            run.status, run.error = "failed", "; ".join(f"{r.table}: {r.error}" for r in failed)[:1000]
    return results
