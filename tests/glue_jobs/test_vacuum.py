"""The vacuum job: after an erasure, nothing of the erased rows is left in any file of the table."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.spark import use_warehouse
from lake.tasks.vacuum import tables, vacuum

pytestmark = pytest.mark.spark
ERASED = "jane@example.com"


def values_on_disk(folder: Path) -> set[str]:
    """Every e-mail in every Parquet data file under the table folder, referenced or not."""
    out: set[str] = set()
    for f in folder.rglob("*.parquet"):
        t = pq.read_table(f)
        if "email" in t.column_names:
            out |= set(t.column("email").to_pylist())
    return out


def test_erased_rows_leave_no_file_behind(spark, tmp_path: Path) -> None:  # noqa: ANN001
    warehouse = tmp_path / "warehouse"
    use_warehouse(spark, warehouse)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS finance_ods")
    for table, mode in (("people", "copy-on-write"), ("people_mor", "merge-on-read")):
        spark.sql(f"CREATE TABLE finance_ods.{table} (id int, email string) USING iceberg "
                  f"TBLPROPERTIES ('format-version'='2', 'write.delete.mode'='{mode}')")
        # one data file holding the erased row and another: merge-on-read masks it with a delete file
        spark.sql(f"INSERT INTO finance_ods.{table} SELECT /*+ REPARTITION(1) */ * "
                  f"FROM VALUES (1, '{ERASED}'), (2, 'omar@example.com') AS v(id, email)")
        spark.sql(f"INSERT INTO finance_ods.{table} VALUES (3, 'fiona@example.com')")
        spark.sql(f"DELETE FROM finance_ods.{table} WHERE email = '{ERASED}'")  # what the erase job does
        assert ERASED in values_on_disk(warehouse / "finance_ods" / table)  # still there: time travel
    data = warehouse / "finance_ods" / "people" / "data"
    old_orphan, young_orphan = data / "failed-write-old.parquet", data / "failed-write-young.parquet"
    for orphan in (old_orphan, young_orphan):
        # an unrelated row: a young orphan is kept, and must not be what the ERASED checks find
        pq.write_table(pa.table({"id": pa.array([9], pa.int32()), "email": ["orphan@example.com"]}), orphan)
    three_hours_ago = time.time() - 3 * 3600
    os.utime(old_orphan, (three_hours_ago, three_hours_ago))

    assert tables(spark, ["finance", "executive"]) == ["finance_ods.people", "finance_ods.people_mor"]
    results = vacuum(spark, ["finance", "executive"], orphan_min_age=timedelta(hours=2))

    assert [r.error for r in results] == [None, None]
    by_table = {r.table: r for r in results}
    assert by_table["finance_ods.people_mor"].rewritten_files >= 1  # the delete file applied, then dropped
    for table in ("people", "people_mor"):
        assert ERASED not in values_on_disk(warehouse / "finance_ods" / table), table
        assert spark.sql(f"SELECT count(*) AS n FROM finance_ods.{table}.snapshots").first()["n"] == 1
        assert {r["id"] for r in spark.table(f"finance_ods.{table}").collect()} == {2, 3}
    assert not old_orphan.exists() and young_orphan.exists()  # a young file may be a commit in flight
    # Idempotent: nothing left to remove.
    again = vacuum(spark, ["finance"], orphan_min_age=timedelta(hours=2))
    assert [(r.expired_data_files, r.rewritten_files, r.error) for r in again] == [(0, 0, None), (0, 0, None)]
