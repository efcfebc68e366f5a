"""The staged files' schema from their Parquet footers, read here instead of by Spark.

Spark infers a Parquet schema with a job over the files' footers, even for one file and without
``mergeSchema``: on a cold local JVM ~0.3 s per promotion (benchmarks/demo/PROFILE.md). The promotion
reads local staged files with this schema instead. Only where the mapping is exactly what Spark's
inference gives; otherwise (files on S3, other types, files of different columns) Spark infers as before.
"""

from __future__ import annotations

from pyspark.sql.types import (
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


def footer_schema(paths: list[str]) -> StructType | None:
    """What Spark would infer from these local Parquet files when they all have one schema: each
    field nullable. None: let Spark infer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not paths or any("://" in p for p in paths):
        return None
    try:
        schemas = {pq.read_schema(p).remove_metadata() for p in paths}
    except (OSError, pa.ArrowInvalid):
        return None  # missing or unreadable: Spark says what is wrong
    if len(schemas) != 1:
        return None  # files of different columns: Spark merges them (its column order is its own)
    fields = []
    for f in schemas.pop():
        spark_type = _spark_type(f.type)
        if spark_type is None:
            return None
        fields.append(StructField(f.name, spark_type, True))
    return StructType(fields)


def _spark_type(t) -> DataType | None:  # noqa: ANN001 - a pyarrow DataType
    import pyarrow as pa

    if pa.types.is_timestamp(t):
        # A UTC-adjusted instant is Spark's TimestampType; a local one Spark infers as TimestampNTZ.
        return TimestampType() if t.tz is not None and t.unit in ("ms", "us") else None
    if pa.types.is_decimal(t):
        return DecimalType(t.precision, t.scale) if t.precision <= 38 else None
    simple = [(pa.types.is_string, StringType), (pa.types.is_large_string, StringType), (pa.types.is_int8, ByteType),
              (pa.types.is_int16, ShortType), (pa.types.is_int32, IntegerType), (pa.types.is_int64, LongType),
              (pa.types.is_float32, FloatType), (pa.types.is_float64, DoubleType),
              (pa.types.is_boolean, BooleanType), (pa.types.is_date32, DateType), (pa.types.is_binary, BinaryType)]
    return next((spark_type() for check, spark_type in simple if check(t)), None)
