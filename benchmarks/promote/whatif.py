"""What-if variants of (a): the real ``promote`` with one suggested change patched in from outside.

They measure suggestions for ``lake/tasks/to_ods/promote.py`` without editing it. Each patch only
affects calls made from ``lake/tasks`` code, and keeps the job's results (the benchmark's
verification still holds), except ``no-pii``, which is attribution only: it shows what the
HMAC costs and must never ship.

- ``no-cache``: the staged batch is not ``.cache()``d; each pass re-reads the Parquet files.
- ``fewer-counts``: no count the job already knows: ``rows_in`` from the quality pass's own
  ``count(1)``; ``held.count()`` skipped when every quarantine rule passed (0 failing rows);
  ``rows_out`` from the Iceberg snapshot summary (``total-records``) instead of a table scan.
- ``explicit-schema``: read staging with the contract's schema instead of ``mergeSchema``
  inference (a Spark job over every footer); columns an old file lacks still read as null.
- ``seq-expr``: number the ingests with a literal map expression instead of joining a
  DataFrame built from a Python list, which makes PySpark start Python worker processes.
- ``no-pii``: PII columns left as they are (attribution only).
- ``pii-distinct``: HMAC each distinct value of a hashed column once and join the hashes back,
  instead of two SHA-256 per row (pays off when values repeat, as e-mails of claimants do).
- ``proposal``: ``no-cache`` + ``fewer-counts`` + ``explicit-schema`` + ``seq-expr``;
  ``proposal+pii-distinct`` adds ``pii-distinct``.
"""

from __future__ import annotations

import functools
import linecache
import sys

VARIANTS = ("no-cache", "fewer-counts", "explicit-schema", "seq-expr", "no-pii", "pii-distinct", "proposal",
            "proposal+pii-distinct")


def _from_ours(depth: int = 2) -> tuple[str, str, dict]:
    frame = sys._getframe(depth)
    where = frame.f_code.co_filename
    return where, linecache.getline(where, frame.f_lineno), frame.f_locals


def _no_cache() -> None:
    from pyspark.sql import DataFrame

    real = DataFrame.cache

    def cache(self):
        return self if "lake/tasks" in _from_ours()[0] else real(self)

    DataFrame.cache = cache


def _fewer_counts() -> None:
    from pyspark.sql import DataFrame

    from lake.tasks.to_ods import quality

    state: dict = {"n": None, "checks": []}
    real_collect, real_count, real_evaluate = DataFrame.collect, DataFrame.count, quality.evaluate

    def collect(self):
        rows = real_collect(self)
        if "quality.py" in _from_ours()[0] and len(rows) == 1 and "_n" in rows[0].asDict():
            state["n"] = rows[0]["_n"]  # evaluate's one aggregate already counted the batch
        return rows

    @functools.wraps(real_evaluate)
    def evaluate(rules, df):
        out = real_evaluate(rules, df)  # (batch, checks, rows) since to_ods counts in the rule pass
        state["checks"] = out[1]
        return out

    def count(self):
        where, line, local = _from_ours()
        if "lake/tasks" not in where:
            return real_count(self)
        if "batch.count()" in line and state["n"] is not None:
            return state["n"]
        if "held.count()" in line and all(c.failing_rows == 0 for c in state["checks"] if c.action == "quarantine"):
            return 0
        if "spark.table(table).count()" in line:
            spark, table = local["spark"], local["table"]
            snap = spark.sql(f"SELECT summary['total-records'] AS n FROM {table}.snapshots "
                             "ORDER BY committed_at DESC LIMIT 1").collect()
            return int(snap[0]["n"])
        return real_count(self)

    DataFrame.collect, DataFrame.count, quality.evaluate = collect, count, evaluate


def _staged(explicit_schema: bool, seq_expr: bool):
    from pyspark.sql import functions as F

    from lake.tasks.to_ods import promote as job

    def _staged(spark, ctx, ds, pending):  # job._staged, with either change
        paths = [str(ctx.storage.local_path(ctx.buckets.staging, r.staged_key)) for r in pending if r.staged_key]
        if not explicit_schema:
            df = spark.read.option("mergeSchema", "true").parquet(*paths)
            for c in ds.columns:
                if c.name not in df.columns:
                    df = df.withColumn(c.name, F.lit(None).cast(c.type.sql))
        else:
            cols = [f"`{c.name}` {c.type.sql}" for c in ds.columns]
            cols += ["`_ingest_id` string", "`_source_file` string", "`_row_number` bigint", "`_ingested_at` timestamp"]
            if ds.options.cdc:
                cols += ["`_op` string", "`_lsn` bigint", "`_ts_ms` bigint"]  # lake.ingest.convert.CDC_META
            df = spark.read.schema(", ".join(cols)).parquet(*paths)  # a column a file lacks reads as null
        if seq_expr:  # a literal map in the plan: no local DataFrame, so no Python worker processes
            seq = F.create_map(*[x for i, r in enumerate(pending) for x in (F.lit(r.ingest_id), F.lit(i))])
            return df.withColumn("_ingest_seq", seq[F.col("_ingest_id")])
        seq = spark.createDataFrame([(r.ingest_id, i) for i, r in enumerate(pending)],
                                    "_ingest_id string, _ingest_seq int")
        return df.join(F.broadcast(seq), "_ingest_id")

    job._staged = _staged


def _no_pii() -> None:
    from lake.tasks.to_ods import transforms as T

    T.protect_pii = lambda df, treatments, key: df


def _pii_distinct() -> None:
    from pyspark.sql import functions as F

    from lake.tasks.to_ods import transforms as T

    real = T.protect_pii

    def protect_pii(df, treatments, key):
        """HMAC each distinct value once (20k e-mails, not 5M rows), joined back; AQE broadcasts it."""
        hashed = [n for n, how in treatments.items() if how not in ("drop", "mask")]
        for name in hashed:
            lookup = (df.select(F.col(name).cast("string").alias("_pii_value")).distinct()
                      .withColumn("_pii_hash", T.hmac_sha256(F.col("_pii_value"), key)))
            df = (df.join(lookup, F.col(name).cast("string") == F.col("_pii_value"), "left")
                  .drop(name, "_pii_value").withColumnRenamed("_pii_hash", name))
        return real(df, {n: h for n, h in treatments.items() if n not in hashed}, key)

    T.protect_pii = protect_pii


def apply(variant: str) -> None:
    patches = {"no-cache": [_no_cache], "fewer-counts": [_fewer_counts],
               "explicit-schema": [lambda: _staged(explicit_schema=True, seq_expr=False)],
               "seq-expr": [lambda: _staged(explicit_schema=False, seq_expr=True)], "no-pii": [_no_pii],
               "pii-distinct": [_pii_distinct],
               "proposal": [_no_cache, _fewer_counts, lambda: _staged(explicit_schema=True, seq_expr=True)],
               "proposal+pii-distinct": [_no_cache, _fewer_counts, lambda: _staged(explicit_schema=True, seq_expr=True),
                                         _pii_distinct]}[variant]
    for patch in patches:
        patch()
