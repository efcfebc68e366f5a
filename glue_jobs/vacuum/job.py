"""Glue job ``vacuum``: physically remove what an erasure deleted from the Iceberg tables.

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

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from pyspark.sql import SparkSession

from glue_jobs.erase.tables import remove_orphans

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


def vacuum_locked(spark: SparkSession, zones: list[str], orphan_min_age: timedelta, ledger_table: str | None,
                  wait: float = 1800.0) -> list[Vacuumed]:
    """``vacuum`` holding the zones' locks (DynamoDB, on the ledger table), so expiring snapshots and
    removing orphans never meets a promotion or an erasure of the same zone. Without a ledger table
    (an older deployment) it runs unlocked and relies on ``orphan_min_age`` alone."""
    if not ledger_table:
        return vacuum(spark, zones, orphan_min_age)
    from lake.backends.dynamodb_lock import DynamoDbLocks
    from lake.runtime.lock import hold, zone_lock

    with hold(DynamoDbLocks(ledger_table), [zone_lock(z) for z in zones], "vacuum", wait):
        return vacuum(spark, zones, orphan_min_age)


def main() -> None:  # pragma: no cover - the Glue entry point; vacuum() is what the tests run
    from glue_jobs.args import resolve

    args = resolve(["zones", "orphan_min_age_minutes"], optional=("run_id", "ledger_table"))
    spark = SparkSession.builder.getOrCreate()  # on Glue: Iceberg on the Glue Data Catalog (job --conf)
    zones = json.loads(str(args["zones"]))
    results = vacuum_locked(spark, zones, timedelta(minutes=int(str(args["orphan_min_age_minutes"]))),
                            str(args["ledger_table"] or "") or None)
    for r in results:
        print(json.dumps({"run_id": args.get("run_id"), **asdict(r)}))
    failed = [r.table for r in results if r.error]
    if failed:
        raise SystemExit(f"vacuum failed for {', '.join(failed)}")  # fails the task: the workflow retries, alerts


if __name__ == "__main__":
    main()
