"""Glue job ``to_ods``: promote every staged ingest not yet promoted into the ODS Iceberg table.

Exactly once: the MERGE commits atomically in Iceberg, and only then does the ledger mark
the ingests promoted. A job killed in between re-merges the same rows on its next run,
which the latest-wins MERGE makes harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from glue_jobs.to_ods import transforms as T
from lake.config import Dataset
from lake.pii import zone_key
from lake.runtime.context import Context


@dataclass
class Promotion:
    table: str
    ingests: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_out: int = 0


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


def promote(spark: SparkSession, ctx: Context, zone: str, dataset: str, run_id: str) -> Promotion:
    ds = ctx.cfg.zones[zone].datasets[dataset]
    table = f"{zone}_ods.{dataset}"
    result = Promotion(table)
    pending = ctx.ledger.pending_promotion(zone, dataset)
    if not pending:
        return result
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {zone}_ods")
    spark.sql(ddl(ds, table))

    seq = spark.createDataFrame([(r.ingest_id, i) for i, r in enumerate(pending)], "_ingest_id string, _ingest_seq int")
    batch = _staged(spark, ctx, [r.staged_key for r in pending if r.staged_key]).join(F.broadcast(seq), "_ingest_id")
    result.rows_in = batch.count()
    treatments = {c.name: c.pii for c in ds.columns if c.pii}
    batch = T.protect_pii(batch, treatments, zone_key(ctx.home.platform / "keys", zone))
    if ds.options.cdc:
        batch = T.latest_change_per_key(batch, ds.primary_key)
    else:
        batch = T.latest_per_key(batch, ds.primary_key, ds.options.latest_wins)
    batch = batch.withColumn("_promoted_at", F.current_timestamp())

    cols = T.ods_columns([c.name for c in ds.columns], [c for c, t in treatments.items() if t == "drop"],
                         bool(ds.options.cdc)) + ["_promoted_at"]
    batch.select(*cols, *(["_op"] if ds.options.cdc else [])).createOrReplaceTempView("batch")
    spark.sql(_merge_sql(ds, table, cols))
    ctx.ledger.mark_promoted([r.ingest_id for r in pending], run_id)
    result.ingests = [r.ingest_id for r in pending]
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
