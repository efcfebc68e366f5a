"""What-if variants of (a): the real ``promote`` with one suggested change patched in from outside.

They measure suggestions for ``lake/tasks/to_ods/`` without editing it. Each keeps the job's
results (the benchmark's verification still holds), except ``no-pii``, which is attribution
only: it shows what the HMAC costs and must never ship. (Session 5 built in the earlier
``no-cache``, ``fewer-counts`` and ``seq-expr`` suggestions; see PROFILE.md.)

- ``explicit-schema``: read staging with the contract's schema instead of ``mergeSchema``
  inference (a Spark job over every footer); columns an old file lacks still read as null.
- ``no-pii``: PII columns left as they are (attribution only).
- ``no-group-filter``: the MERGE without Spark's runtime group filter (the extra join of the batch's
  keys with the table's that finds the data files holding a match): every data file is rewritten.
- ``shj``: the job's statements planned with ``preferSortMergeJoin=false`` (and a build-side limit
  that lets batch 2's source qualify): the MERGE's full outer join builds a hash table of the batch and
  streams the table unsorted, instead of sorting (and at 5 M rows spilling) the whole table.
- ``shj-aqe``: the same asked of AQE (``maxShuffledHashJoinLocalMapThreshold``); it never applies to the
  MERGE, whose source side is not a bare shuffle stage (a window sits on it).
- ``pii-distinct``: HMAC each distinct value of a hashed column once and join the hashes back,
  instead of two SHA-256 per row (pays off when values repeat, as e-mails of claimants do).
"""

from __future__ import annotations

VARIANTS = ("explicit-schema", "no-pii", "pii-distinct", "no-group-filter", "shj", "shj-aqe")


def _explicit_schema() -> None:
    from pyspark.sql import functions as F

    from lake.tasks.to_ods import promote as job

    def _staged(spark, ctx, ds, pending):  # job._staged, reading with the contract's schema
        paths = [str(ctx.storage.local_path(ctx.buckets.staging, r.staged_key)) for r in pending if r.staged_key]
        cols = [f"`{c.name}` {c.type.sql}" for c in ds.columns]
        cols += ["`_ingest_id` string", "`_source_file` string", "`_row_number` bigint", "`_ingested_at` timestamp"]
        if ds.options.cdc:
            cols += ["`_op` string", "`_lsn` bigint", "`_ts_ms` bigint"]  # lake.ingest.convert.CDC_META
        df = spark.read.schema(", ".join(cols)).parquet(*paths)  # a column a file lacks reads as null
        seq = F.create_map(*[x for i, r in enumerate(pending) for x in (F.lit(r.ingest_id), F.lit(i))])
        return df.withColumn("_ingest_seq", seq[F.col("_ingest_id")])

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


def _no_group_filter() -> None:
    from lake.tasks.to_ods import promote as job

    real = job.promote

    def promote(spark, *args, **kwargs):
        spark.conf.set("spark.sql.optimizer.runtime.rowLevelOperationGroupFilter.enabled", "false")
        return real(spark, *args, **kwargs)

    job.promote = promote


def _settings(extra: dict[str, str]):
    def patch() -> None:
        import contextlib

        from lake.tasks.to_ods import promote as job

        real = job.one_sort

        @contextlib.contextmanager
        def one_sort(spark):
            old = {k: spark.conf.get(k, None) for k in extra}
            for k, v in extra.items():
                spark.conf.set(k, v)
            try:
                with real(spark):
                    yield
            finally:
                for k, v in old.items():
                    spark.conf.unset(k) if v is None else spark.conf.set(k, v)

        job.one_sort = one_sort
    return patch


def apply(variant: str) -> None:
    {"explicit-schema": _explicit_schema, "no-pii": _no_pii, "pii-distinct": _pii_distinct,
     "no-group-filter": _no_group_filter,
     # A hash join needs the build side under autoBroadcastJoinThreshold x shuffle partitions (40 MB):
     # batch 2's source at 5 M rows is 112 MB (AQE's runtime size), so the limit is raised with it.
     "shj": _settings({"spark.sql.join.preferSortMergeJoin": "false", "spark.sql.autoBroadcastJoinThreshold": "64m"}),
     "shj-aqe": _settings({"spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold": "64m"}),
     }[variant]()
