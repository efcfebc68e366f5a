"""The ODS Iceberg tables' DDL and MERGE statements, built from the contract."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lake.config import Dataset, evolution
from lake.tasks.projections.state import rows_now

VERSION_PROPERTY = "lake.contract.version"


def ddl(ds: Dataset, table: str) -> str:
    cols = [f"`{c.name}` {evolution.ods_type(ds, c.name).sql}" for c in ds.columns if c.pii != "drop"]
    cols += ["`_ingest_id` string", "`_ingested_at` timestamp"]
    if ds.options.cdc:
        cols.append("`_lsn` bigint")
    cols.append("`_promoted_at` timestamp")
    return (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)}) USING iceberg "
            f"TBLPROPERTIES ('format-version'='2', '{VERSION_PROPERTY}'='{ds.version}')")


def row_count(spark: SparkSession, table: str) -> int:
    """Rows in main's current snapshot, from its summary: no Spark job at all."""
    return rows_now(spark, table)


AUDIT_BRANCH = "lake_audit"


def audit_branch(spark: SparkSession, table: str) -> str:
    """Write-audit-publish: a branch at main's state, where a write lands unseen until ``publish``.
    Replaced if a crashed run left one. Returns the identifier to write to."""
    spark.sql(f"ALTER TABLE {table} CREATE OR REPLACE BRANCH {AUDIT_BRANCH}")
    return f"{table}.branch_{AUDIT_BRANCH}"


def publish(spark: SparkSession, table: str) -> None:
    """Make the audited write the table's state: main fast-forwards to the branch (a metadata commit)."""
    catalog = spark.catalog.currentCatalog()
    spark.sql(f"CALL {catalog}.system.fast_forward('{table}', 'main', '{AUDIT_BRANCH}')")
    discard(spark, table)


def discard(spark: SparkSession, table: str) -> None:
    """Drop the audit branch: main never saw its write. Its files wait for snapshot expiry and orphan
    cleanup (the promotion may not delete data files)."""
    spark.sql(f"ALTER TABLE {table} DROP BRANCH IF EXISTS {AUDIT_BRANCH}")


def columns(spark: SparkSession, table: str) -> dict[str, str]:
    """The table's columns and their Spark SQL types."""
    return {f.name: f.dataType.simpleString() for f in spark.table(table).schema}


def properties(spark: SparkSession, table: str) -> dict[str, str]:
    return {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}


def contract_version(spark: SparkSession, table: str) -> str:
    return properties(spark, table).get(VERSION_PROPERTY, "0")


def evolve(spark: SparkSession, ds: Dataset, table: str) -> list[str]:
    """Apply additive changes in place; return the breaking ones (nothing applied then)."""
    current = columns(spark, table)
    plan = evolution.plan(ds, current)
    if plan.breaking:
        return plan.breaking
    for name, sql_type in plan.add:
        spark.sql(f"ALTER TABLE {table} ADD COLUMN `{name}` {sql_type}")
    for name, sql_type in plan.widen:
        spark.sql(f"ALTER TABLE {table} ALTER COLUMN `{name}` TYPE {sql_type}")
    if plan.changes or contract_version(spark, table) != ds.version:  # else no metadata commit per run
        spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('{VERSION_PROPERTY}'='{ds.version}')")
    return []


def merge_sql(ds: Dataset, table: str, cols: list[str], update: list[str] | None = None) -> str:
    """``cols`` are inserted; ``update`` (default: all of them) are the columns a matched row takes
    from the batch: the columns its files carried, so an absent column never overwrites ODS values."""
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in ds.primary_key)
    sets = ", ".join(f"t.`{c}` = s.`{c}`" for c in (cols if update is None else update))
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


def tombstones(table: str) -> str:
    """Deleted keys and the lsn of their delete, so a late, older insert cannot resurrect them."""
    return f"{table}__tombstones"


def without_superseded(spark: SparkSession, ds: Dataset, table: str, batch: DataFrame) -> DataFrame:
    keys = ", ".join(f"`{c.name}` {c.type.sql}" for c in ds.columns if c.primary_key)
    spark.sql(f"CREATE TABLE IF NOT EXISTS {tombstones(table)} ({keys}, `_lsn` bigint) USING iceberg "
              "TBLPROPERTIES ('format-version'='2')")
    if row_count(spark, tombstones(table)) == 0:
        return batch  # no key was ever deleted: nothing to hold back (and no join with an empty table)
    dead = spark.table(tombstones(table)).withColumnRenamed("_lsn", "_dead_lsn")
    return (batch.join(dead, ds.primary_key, "left")
            .where(F.col("_dead_lsn").isNull() | (F.col("_lsn") > F.col("_dead_lsn"))).drop("_dead_lsn"))


def insert(spark: SparkSession, table: str, cols: list[str], where: str | None = None) -> None:
    """The ``batch`` view's rows (those matching ``where``) appended: what a MERGE into a table with no
    rows does, without the passes that look for matches."""
    names = ", ".join(f"`{c}`" for c in cols)
    spark.sql(f"INSERT INTO {table} ({names}) SELECT {names} FROM batch" + (f" WHERE {where}" if where else ""))


def merge_tombstones(spark: SparkSession, ds: Dataset, table: str) -> None:
    if row_count(spark, tombstones(table)) == 0:  # nothing to match: the batch's deletes are the tombstones
        insert(spark, tombstones(table), [*ds.primary_key, "_lsn"], "_op = 'd'")
        return
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in ds.primary_key)
    names = ", ".join(f"`{k}`" for k in ds.primary_key)
    values = ", ".join(f"s.`{k}`" for k in ds.primary_key)
    spark.sql(f"MERGE INTO {tombstones(table)} t USING batch s ON {on} "
              "WHEN MATCHED AND s._lsn > t._lsn AND s._op <> 'd' THEN DELETE "
              "WHEN MATCHED AND s._lsn > t._lsn THEN UPDATE SET t._lsn = s._lsn "
              f"WHEN NOT MATCHED AND s._op = 'd' THEN INSERT ({names}, `_lsn`) VALUES ({values}, s._lsn)")


def hold_back(spark: SparkSession, table: str, held: DataFrame, run_id: str) -> None:
    """Rows failing a quarantine rule go to ``<table>__quarantine``, once per (ingest, row)."""
    held = (held.withColumn("_run_id", F.lit(run_id)).withColumn("_quarantined_at", F.current_timestamp())
            .withColumn("_reason", F.concat_ws(", ", "_failed_rules")))
    qtable = f"{table}__quarantine"
    if not spark.catalog.tableExists(qtable):
        held.limit(0).writeTo(qtable).using("iceberg").tableProperty("format-version", "2").create()
    held.createOrReplaceTempView("held")
    spark.sql(f"MERGE INTO {qtable} t USING held s ON t._ingest_id = s._ingest_id AND t._row_number = s._row_number "
              "WHEN NOT MATCHED THEN INSERT *")
