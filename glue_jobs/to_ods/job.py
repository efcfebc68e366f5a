"""Glue job ``to_ods``: promote every staged ingest not yet promoted into the ODS Iceberg table.

Exactly once: the MERGE commits atomically in Iceberg, and only then does the ledger mark
the ingests promoted. A job killed in between re-merges the same rows on its next run,
which the latest-wins MERGE makes harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from glue_jobs.to_ods import quality
from glue_jobs.to_ods import transforms as T
from lake.backends.ledger import now
from lake.config import Dataset
from lake.pii import zone_key
from lake.runtime.context import Context


@dataclass
class Promotion:
    table: str
    ingests: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    status: str = "promoted"  # or "halted"
    error: str | None = None
    checks: list[quality.RuleResult] = field(default_factory=list)


def ddl(ds: Dataset, table: str) -> str:
    drop = {c.name for c in ds.columns if c.pii == "drop"}
    cols = [f"`{c.name}` {'string' if c.pii in ('hash', 'mask') else c.type.sql}" for c in ds.columns
            if c.name not in drop]
    cols += ["`_ingest_id` string", "`_ingested_at` timestamp"]
    if ds.options.cdc:
        cols.append("`_lsn` bigint")
    cols.append("`_promoted_at` timestamp")
    return (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}) USING iceberg "
            "TBLPROPERTIES ('format-version'='2')")


def _staged(spark: SparkSession, ctx: Context, keys: list[str]) -> DataFrame:
    paths = [str(ctx.storage.local_path(ctx.buckets.staging, k) or f"s3://{ctx.buckets.staging}/{k}") for k in keys]
    return spark.read.parquet(*paths)


def _merge_sql(ds: Dataset, table: str, cols: list[str]) -> str:
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in ds.primary_key)
    sets = ", ".join(f"t.`{c}` = s.`{c}`" for c in cols)
    values = ", ".join(f"s.`{c}`" for c in cols)
    names = ", ".join(f"`{c}`" for c in cols)
    if ds.options.cdc:
        # Only a newer change (by log sequence number) may touch the row.
        return (f"MERGE INTO {table} t USING batch s ON {on} "
                f"WHEN MATCHED AND s._lsn > t._lsn AND s._op = 'd' THEN DELETE "
                f"WHEN MATCHED AND s._lsn > t._lsn THEN UPDATE SET {sets} "
                f"WHEN NOT MATCHED AND s._op <> 'd' THEN INSERT ({names}) VALUES ({values})")
    order = ds.options.latest_wins
    newer = f"AND (t.`{order}` IS NULL OR s.`{order}` >= t.`{order}`)" if order else ""
    return (f"MERGE INTO {table} t USING batch s ON {on} "
            f"WHEN MATCHED {newer} THEN UPDATE SET {sets} "
            f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})")


def _tombstones(ds: Dataset, table: str) -> str:
    """Deleted keys and the lsn of their delete, so a late, older insert cannot resurrect them."""
    return f"{table}__tombstones"


def _without_superseded(spark: SparkSession, ds: Dataset, table: str, batch: DataFrame) -> DataFrame:
    tomb = _tombstones(ds, table)
    keys = ", ".join(f"`{c.name}` {c.type.sql}" for c in ds.columns if c.primary_key)
    spark.sql(f"CREATE TABLE IF NOT EXISTS {tomb} ({keys}, `_lsn` bigint) USING iceberg "
              "TBLPROPERTIES ('format-version'='2')")
    dead = spark.table(tomb).withColumnRenamed("_lsn", "_dead_lsn")
    return (batch.join(dead, ds.primary_key, "left")
            .where(F.col("_dead_lsn").isNull() | (F.col("_lsn") > F.col("_dead_lsn"))).drop("_dead_lsn"))


def _merge_tombstones(spark: SparkSession, ds: Dataset, table: str) -> None:
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in ds.primary_key)
    names = ", ".join(f"`{k}`" for k in ds.primary_key)
    values = ", ".join(f"s.`{k}`" for k in ds.primary_key)
    spark.sql(f"MERGE INTO {_tombstones(ds, table)} t USING batch s ON {on} "
              "WHEN MATCHED AND s._lsn > t._lsn AND s._op <> 'd' THEN DELETE "
              "WHEN MATCHED AND s._lsn > t._lsn THEN UPDATE SET t._lsn = s._lsn "
              f"WHEN NOT MATCHED AND s._op = 'd' THEN INSERT ({names}, `_lsn`) VALUES ({values}, s._lsn)")


def _hold_back(spark: SparkSession, table: str, held: DataFrame, run_id: str) -> None:
    """Rows failing a quarantine rule go to ``<table>__quarantine``, once per (ingest, row)."""
    held = (held.withColumn("_run_id", F.lit(run_id)).withColumn("_quarantined_at", F.current_timestamp())
            .withColumn("_reason", F.concat_ws(", ", "_failed_rules")))
    qtable = f"{table}__quarantine"
    if not spark.catalog.tableExists(qtable):
        held.limit(0).writeTo(qtable).using("iceberg").tableProperty("format-version", "2").create()
    held.createOrReplaceTempView("held")
    spark.sql(f"MERGE INTO {qtable} t USING held s ON t._ingest_id = s._ingest_id AND t._row_number = s._row_number "
              "WHEN NOT MATCHED THEN INSERT *")


def promote(spark: SparkSession, ctx: Context, zone: str, dataset: str, run_id: str) -> Promotion:
    ds = ctx.cfg.zones[zone].datasets[dataset]
    table = f"{zone}_ods.{dataset}"
    result = Promotion(table)
    pending = ctx.ledger.pending_promotion(zone, dataset)
    if not pending:
        return result
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {zone}_ods")
    spark.sql(ddl(ds, table))
    result.ingests = [r.ingest_id for r in pending]

    seq = spark.createDataFrame([(r.ingest_id, i) for i, r in enumerate(pending)], "_ingest_id string, _ingest_seq int")
    batch = _staged(spark, ctx, [r.staged_key for r in pending if r.staged_key]).join(F.broadcast(seq), "_ingest_id")
    # Rules see the values as delivered (before hashing), and are measured once per batch.
    batch, checks = quality.evaluate(ds.quality, batch.cache())
    result.rows_in = batch.count()
    for c in checks:
        ctx.records.add("quality_results", run_id=run_id, zone=zone, table_name=table, rule=c.rule,
                        column_name=c.column, metric=c.metric, action=c.action, passed=c.passed,
                        failing_rows=c.failing_rows, measured=c.measured, detail=c.detail,
                        ingest_ids=result.ingests, checked_at=now())
    result.checks = checks
    halts = [c for c in checks if c.action == "halt" and not c.passed]
    if halts:
        result.status = "halted"
        result.error = "; ".join(f"{c.rule}: {c.detail}" for c in halts)
        return result  # nothing from the batch is promoted; the ingests stay pending

    treatments = {c.name: c.pii for c in ds.columns if c.pii}
    batch = T.protect_pii(batch, treatments, zone_key(ctx.home.platform / "keys", zone))
    good, held = quality.split(batch, ds.quality)
    result.rows_quarantined = held.count()
    if result.rows_quarantined:
        _hold_back(spark, table, held.drop("_ingest_seq"), run_id)

    if ds.options.cdc:
        good = _without_superseded(spark, ds, table, T.latest_change_per_key(good, ds.primary_key))
    else:
        good = T.latest_per_key(good, ds.primary_key, ds.options.latest_wins)
    good = good.withColumn("_promoted_at", F.current_timestamp())
    cols = T.ods_columns([c.name for c in ds.columns], [c for c, t in treatments.items() if t == "drop"],
                         bool(ds.options.cdc)) + ["_promoted_at"]
    good.select(*cols, *(["_op"] if ds.options.cdc else [])).createOrReplaceTempView("batch")
    spark.sql(_merge_sql(ds, table, cols))
    if ds.options.cdc:
        _merge_tombstones(spark, ds, table)
    batch.unpersist()
    # Only after Iceberg committed: a crash before this line re-merges the same rows next run.
    ctx.ledger.mark_promoted(result.ingests, run_id)
    result.rows_out = spark.table(table).count()
    return result


def main() -> None:  # pragma: no cover - Glue entry point
    from glue_jobs.args import resolve
    from lake.runtime.context import Context as Ctx

    args = resolve(["zone", "dataset", "run_id"], optional=("lake_home",))
    ctx = Ctx.local(args["lake_home"])
    spark = SparkSession.builder.getOrCreate()
    promote(spark, ctx, args["zone"], args["dataset"], args["run_id"])


if __name__ == "__main__":
    main()
