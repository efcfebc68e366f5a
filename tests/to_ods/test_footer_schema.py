"""The promotion reads local staged files with the schema of their footers (lake/tasks/to_ods/footers.py):
exactly the schema Spark's own inference (a job over the footers) gives, or none at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.tasks.to_ods.footers import footer_schema

pytestmark = pytest.mark.spark


def _file(path: Path, columns: dict[str, pa.Array]) -> str:
    pq.write_table(pa.table(columns), path)
    return str(path)


def test_the_footers_schema_is_what_spark_infers_and_merges(spark, tmp_path: Path) -> None:  # noqa: ANN001
    old = _file(tmp_path / "old.parquet", {
        "id": pa.array([1], pa.int64()), "name": pa.array(["a"]), "small": pa.array([1], pa.int16()),
        "n": pa.array([2], pa.int32()), "ratio": pa.array([0.5], pa.float64()), "f": pa.array([0.5], pa.float32()),
        "ok": pa.array([True]), "day": pa.array([date(2026, 1, 2)]),
        "amount": pa.array([Decimal("1.25")], pa.decimal128(12, 2)),
        "at": pa.array([datetime(2026, 1, 2, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        "raw": pa.array([b"x"], pa.binary())})
    again = str(tmp_path / "again.parquet")
    Path(again).write_bytes(Path(old).read_bytes())
    for paths in ([old], [old, again]):
        inferred = spark.read.option("mergeSchema", "true").parquet(*paths).schema
        assert footer_schema(paths) == inferred, paths
        assert spark.read.schema(footer_schema(paths)).parquet(*paths).collect() == spark.read.parquet(
            *paths).collect()


def test_spark_infers_what_the_footers_cannot_say_exactly(tmp_path: Path) -> None:
    local_time = _file(tmp_path / "ntz.parquet", {"at": pa.array([datetime(2026, 1, 2)], pa.timestamp("us"))})
    assert footer_schema([local_time]) is None  # Spark infers TimestampNTZ for it
    listed = _file(tmp_path / "list.parquet", {"tags": pa.array([["a"]])})
    assert footer_schema([listed]) is None
    one = _file(tmp_path / "one.parquet", {"id": pa.array([1], pa.int64())})
    two = _file(tmp_path / "two.parquet", {"id": pa.array([2], pa.int64()), "added": pa.array(["b"])})
    assert footer_schema([one, two]) is None  # Spark merges files of different columns, in its own order
    assert footer_schema(["s3://bucket/staging/x.parquet"]) is None
    assert footer_schema([str(tmp_path / "missing.parquet")]) is None
