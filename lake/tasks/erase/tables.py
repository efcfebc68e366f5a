"""Iceberg side of an erasure: delete the rows, then make sure no snapshot, data file, manifest or
old metadata file can bring them back.

After ``DELETE`` the rows are still in older snapshots (time travel), in the replaced data files,
and in the manifests, whose column lower/upper bounds quote values and whose DELETED entries keep
the removed file's bounds. So, in order:
1. ``write.metadata.delete-after-commit.enabled`` with ``previous-versions-max`` 1: each commit
   deletes the older ``vN.metadata.json`` files;
2. ``rewrite_data_files`` with ``delete-file-threshold`` 1: rows deleted merge-on-read (delete
   files) are applied to the data files themselves;
3. ``rewrite_manifests``: only live entries are kept (the action skips a table with one manifest,
   so the target manifest size is lowered for that one call: the one knob that forces it);
4. ``expire_snapshots`` (everything older than now, retain_last 1): older snapshots, their data
   files and manifests are deleted;
5. orphan files older than the erasure's start (files of failed writes) are deleted with
   Iceberg's action API: the ``remove_orphan_files`` procedure refuses an interval under 24 h;
6. a last commit marks the table with the request id, which also pushes out the metadata file
   that still listed the expired snapshots.
Run only while no other job writes the table (the promotion is paused on AWS, ``lake run`` not
running locally): orphan removal cannot tell a concurrent write's files from debris.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pyspark.sql import SparkSession

from lake.tasks.to_ods.tables import properties

MARK = "lake.erasure.request"
TARGET = "commit.manifest.target-size-bytes"
METADATA = {"write.metadata.delete-after-commit.enabled": "true", "write.metadata.previous-versions-max": "1"}


def count(spark: SparkSession, table: str, where: str) -> int:
    return int(spark.sql(f"SELECT count(*) AS n FROM {table} WHERE {where}").collect()[0]["n"])


def delete(spark: SparkSession, table: str, where: str) -> None:
    spark.sql(f"DELETE FROM {table} WHERE {where}")


def _set(spark: SparkSession, table: str, props: dict[str, str]) -> None:
    pairs = ", ".join(f"'{k}' = '{v}'" for k, v in props.items())
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ({pairs})")


def _rewrite_manifests(spark: SparkSession, catalog: str, table: str) -> None:
    row = spark.sql(f"SELECT count(*) AS n, coalesce(sum(length), 0) AS size FROM {table}.manifests").collect()[0]
    if row["n"] == 0:
        return
    call = f"CALL {catalog}.system.rewrite_manifests(table => '{table}')"
    if row["n"] > 1:
        spark.sql(call)
        return
    before = properties(spark, table).get(TARGET)
    _set(spark, table, {TARGET: str(max(1, int(row["size"]) // 2))})
    try:
        spark.sql(call)
    finally:
        if before is None:
            spark.sql(f"ALTER TABLE {table} UNSET TBLPROPERTIES ('{TARGET}')")
        else:
            _set(spark, table, {TARGET: before})


def remove_orphans(spark: SparkSession, catalog: str, table: str, older_than_ms: int) -> int:
    """Delete the table's files no snapshot references, older than ``older_than_ms``; how many.

    Iceberg's action, not the ``remove_orphan_files`` procedure: the procedure refuses anything
    younger than a day, while the caller knows its safe margin (the erasure's start, the longest
    a writer runs). Also used by the ``vacuum`` job."""
    jvm: Any = spark._jvm  # type: ignore[attr-defined]
    session: Any = spark._jsparkSession  # type: ignore[attr-defined]
    iceberg = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(session, f"{catalog}.{table}")
    result = (jvm.org.apache.iceberg.spark.actions.SparkActions.get(session).deleteOrphanFiles(iceberg)
              .olderThan(older_than_ms).execute())
    files, n = result.orphanFileLocations().iterator(), 0
    while files.hasNext():
        files.next()
        n += 1
    return n


def forget_history(spark: SparkSession, table: str, request_id: str, started_ms: int) -> None:
    """Leave ``table`` with its current snapshot only, and nothing on disk that an older one used."""
    catalog = spark.catalog.currentCatalog()
    _set(spark, table, METADATA)
    spark.sql(f"CALL {catalog}.system.rewrite_data_files(table => '{table}', "
              "options => map('delete-file-threshold', '1'))")
    _rewrite_manifests(spark, catalog, table)
    # A little in the future: every snapshot but the current one is older (the current one is always kept).
    until = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%SZ")
    spark.sql(f"CALL {catalog}.system.expire_snapshots(table => '{table}', older_than => TIMESTAMP '{until}', "
              "retain_last => 1)")
    remove_orphans(spark, catalog, table, started_ms)
    _set(spark, table, {MARK: request_id})
