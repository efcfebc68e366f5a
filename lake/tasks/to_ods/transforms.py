"""Staging -> ODS transforms: pure DataFrame -> DataFrame functions, no I/O.

Kept free of the lake's runtime so they are tested with plain DataFrames and run
unchanged on Glue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

# Row order inside a batch when the ordering column ties: later ingest, then later row.
TIEBREAK = ("_ingest_seq", "_row_number")
LINEAGE = ("_ingest_id", "_ingested_at")
CDC_COLUMNS = ("_op", "_lsn", "_ts_ms")


def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def hmac_sha256(col: Column, key: bytes) -> Column:
    """HMAC-SHA256 (RFC 2104) as a native Spark expression, hex encoded.

    No Python UDF: the whole column is hashed in the JVM, and the result equals
    ``hmac.new(key, value.encode(), sha256).hexdigest()`` in Python and DuckDB code.
    """
    inner_pad, outer_pad = _hmac_pads(key)
    inner = F.unhex(F.sha2(F.concat(F.unhex(F.lit(inner_pad.hex())), col.cast("binary")), 256))
    return F.when(col.isNull(), None).otherwise(F.sha2(F.concat(F.unhex(F.lit(outer_pad.hex())), inner), 256))


def mask(col: Column) -> Column:
    """Keep the shape, hide the value: first character, then asterisks."""
    return F.when(col.isNull(), None).otherwise(F.concat(F.substring(col, 1, 1), F.lit("****")))


def protect_pii(df: DataFrame, treatments: dict[str, str], key: bytes,
                lookups: dict[str, DataFrame] | None = None) -> DataFrame:
    """Apply each PII column's treatment (hash, mask, drop) before anything reaches ODS. A hashed column
    with a lookup (``hash_lookup``) takes its hashes from it: a broadcast join instead of two SHA-256
    per row; the raw column is gone from the result either way."""
    for name, how in treatments.items():
        if how == "drop":
            df = df.drop(name)
        elif how == "mask":
            df = df.withColumn(name, mask(F.col(name)))
        elif lookups and name in lookups:
            hashed = F.broadcast(lookups[name])
            df = (df.join(hashed, F.col(name).cast("string") == hashed["_pii_value"], "left")
                  .withColumn(name, F.col("_pii_hash")).drop("_pii_value", "_pii_hash"))
        else:
            df = df.withColumn(name, hmac_sha256(F.col(name).cast("string"), key))
    return df


def hash_lookup(values: Column, df: DataFrame, key: bytes) -> DataFrame:
    """(``_pii_value``, ``_pii_hash``): each distinct non-null value of ``values`` in ``df`` and its HMAC,
    for ``protect_pii``. Values that repeat (a claimant's e-mail on each of her claims) are hashed once."""
    v = values.cast("string").alias("_pii_value")
    return (df.select(v).where(F.col("_pii_value").isNotNull()).distinct()
            .withColumn("_pii_hash", hmac_sha256(F.col("_pii_value"), key)))


def latest_per_key(df: DataFrame, keys: list[str], order_by: str | None) -> DataFrame:
    """One row per primary key: the greatest ordering column wins, ties to the later ingest, then row."""
    order = ([F.col(order_by).desc_nulls_last()] if order_by else []) + [F.col(c).desc() for c in TIEBREAK]
    w = Window.partitionBy(*keys).orderBy(*order)
    return df.withColumn("_rank", F.row_number().over(w)).where("_rank = 1").drop("_rank")


def latest_change_per_key(df: DataFrame, keys: list[str]) -> DataFrame:
    """CDC: the change with the greatest log sequence number per key decides the row's fate."""
    w = Window.partitionBy(*keys).orderBy(F.col("_lsn").desc(), *[F.col(c).desc() for c in TIEBREAK])
    return df.withColumn("_rank", F.row_number().over(w)).where("_rank = 1").drop("_rank")


def ods_columns(contract_columns: Iterable[str], dropped: Iterable[str], cdc: bool) -> list[str]:
    drop = set(dropped)
    cols = [c for c in contract_columns if c not in drop] + list(LINEAGE)
    return cols + ["_lsn"] if cdc else cols
