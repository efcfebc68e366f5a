"""The ``to_ods`` task: promote every staged ingest not yet promoted into the ODS Iceberg table.

Exactly once: the MERGE commits atomically in Iceberg, and only then does the ledger mark
the ingests promoted. A job killed in between re-merges the same rows on its next run,
which the latest-wins (or lsn-ordered) MERGE makes harmless.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from py4j.protocol import Py4JJavaError
from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from lake import approvals
from lake.backends.alerts import recover
from lake.backends.ledger import IngestRecord, now
from lake.config import Dataset, evolution
from lake.pii import zone_key
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.sql.spark import conf
from lake.tasks.to_ods import quality, tables
from lake.tasks.to_ods import transforms as T
from lake.tasks.to_ods.footers import footer_schema


@dataclass
class Promotion:
    table: str
    ingests: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    status: str = "promoted"  # "promoted" | "halted" | "refused" | "rebuilt"
    error: str | None = None
    checks: list[quality.RuleResult] = field(default_factory=list)


def _staged(spark: SparkSession, ctx: Context, ds: Dataset, pending: list[IngestRecord]) -> DataFrame:
    paths = [str(ctx.storage.local_path(ctx.buckets.staging, r.staged_key) or f"s3://{ctx.buckets.staging}/"
                 f"{r.staged_key}") for r in pending if r.staged_key]
    # Older files predate columns the contract added since: merge schemas, fill with nulls. One file
    # has one schema: merging would cost a Spark job over the footers for nothing. Local files' footers
    # are read here (Spark would run a job to infer even one file's schema: ~0.3 s on a cold JVM).
    schema = footer_schema(paths)
    reader = spark.read.schema(schema) if schema is not None else spark.read.option("mergeSchema",
                                                                                    str(len(paths) > 1).lower())
    df = reader.parquet(*paths)
    for c in ds.columns:
        if c.name not in df.columns:
            df = df.withColumn(c.name, F.lit(None).cast(c.type.sql))
    # Ingest order as a literal map in the plan, not a joined DataFrame: a DataFrame built from a
    # Python list starts Python worker processes, and the join adds a stage (benchmarks/promote).
    seq = F.create_map(*[x for i, r in enumerate(pending) for x in (F.lit(r.ingest_id), F.lit(i))])
    return df.withColumn("_ingest_seq", seq[F.col("_ingest_id")])


def _prepare(spark: SparkSession, ctx: Context, ds: Dataset, table: str, result: Promotion) -> bool:
    """Create or evolve the table; on a breaking change rebuild (major version) or refuse."""
    zone = ds.zone
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {zone}_ods")
    if not spark.catalog.tableExists(table):
        spark.sql(tables.ddl(ds, table))
        return True
    breaking = tables.evolve(spark, ds, table)
    if not breaking:
        return True
    old = tables.contract_version(spark, table)
    if evolution.major(old) != evolution.major(ds.version):
        for t in (table, tables.tombstones(table)):
            # No PURGE: the job may not delete data files (only the erasure job may); the
            # Hadoop catalog removes the folder anyway, on Glue old files wait for orphan cleanup.
            spark.sql(f"DROP TABLE IF EXISTS {t}")
        spark.sql(tables.ddl(ds, table))
        result.status = "rebuilt"
        return True
    result.status, result.error = "refused", (
        f"{'; '.join(breaking)} — contract {ds.path.name} must change its major version "
        f"(now {ds.version}, table built from {old}) to rebuild {table} from staging")
    return False


def _pending(ctx: Context, ds: Dataset, rebuild: bool) -> list[IngestRecord]:
    if not rebuild:
        records = ctx.ledger.pending_promotion(ds.zone, ds.name)
    else:
        records = [r for r in ctx.ledger.records(ds.zone) if r.dataset == ds.name
                   and r.outcome in ("staged", "partial") and r.rows_staged > 0]
    return approvals.promotable(ctx, ds.zone, ds.name, records)


def promote(spark: SparkSession, ctx: Context, zone: str, dataset: str, run_id: str) -> Promotion:
    ds = ctx.cfg.zones[zone].datasets[dataset]
    table = f"{zone}_ods.{dataset}"
    result = Promotion(table)
    pending = _pending(ctx, ds, rebuild=False)
    if not pending and spark.catalog.tableExists(table):
        plan = evolution.plan(ds, tables.columns(spark, table))
        if not (plan.changes or plan.breaking):
            return result  # nothing staged, contract unchanged: leave the table alone
    if not _prepare(spark, ctx, ds, table, result):
        return result
    pending = _pending(ctx, ds, rebuild=result.status == "rebuilt")
    if not pending:
        return result
    result.ingests = [r.ingest_id for r in pending]
    groups = column_groups(ds, pending)
    if not ds.options.cdc and len(groups) == 1:
        return _promote_audited(spark, ctx, ds, table, pending, groups[0][2], run_id, result)

    # Rules see the values as delivered (before hashing), and are measured once per batch. No
    # .cache(): re-reading columnar Parquet for the MERGE costs less than caching every row.
    batch, checks, result.rows_in = quality.evaluate(ds.quality, _staged(spark, ctx, ds, pending))
    if _checked(ctx, zone, run_id, result, checks):
        return result  # nothing from the batch is promoted; the ingests stay pending

    treatments = {c.name: c.pii for c in ds.columns if c.pii}
    batch = T.protect_pii(batch, treatments, zone_key(ctx.home.platform / "keys", zone))
    good, held = quality.split(batch, ds.quality)
    # The rule pass already counted the failing rows: skip a pass over the batch when none are held.
    holding = any(c.action == "quarantine" and c.failing_rows for c in checks)
    result.rows_quarantined = held.count() if holding else 0
    if result.rows_quarantined:
        tables.hold_back(spark, table, held.drop("_ingest_seq"), run_id)

    dropped = [c for c, t in treatments.items() if t == "drop"]
    cols = T.ods_columns([c.name for c in ds.columns], dropped, bool(ds.options.cdc)) + ["_promoted_at"]
    good = good.withColumn("_promoted_at", F.current_timestamp())
    # One MERGE per run of consecutive ingests that carried the same columns, in ingest order: each
    # updates only the columns its files had, so a column absent from a file keeps its ODS values.
    for first, last, carried in groups:
        part = good if first == 0 and last == len(pending) - 1 else good.where(
            F.col("_ingest_seq").between(first, last))
        if ds.options.cdc:
            part = tables.without_superseded(spark, ds, table, T.latest_change_per_key(part, ds.primary_key))
        else:
            part = T.latest_per_key(part, ds.primary_key, ds.options.latest_wins)
        update = T.ods_columns(carried, dropped, bool(ds.options.cdc)) + ["_promoted_at"]
        part.select(*cols, *(["_op"] if ds.options.cdc else [])).createOrReplaceTempView("batch")
        with one_sort(spark):
            if tables.row_count(spark, table) == 0:
                # Nothing to match (a first load): the MERGE would insert every row of the deduplicated
                # batch after passes that look for matches (a third of a small `lake run`, benchmarks/run).
                tables.insert(spark, table, cols, "_op <> 'd'" if ds.options.cdc else None)
            else:
                spark.sql(tables.merge_sql(ds, table, cols, update))
        if ds.options.cdc:
            tables.merge_tombstones(spark, ds, table)
        # Only after Iceberg committed: a crash before this line re-merges the same rows next run.
        ctx.ledger.mark_promoted(result.ingests[first:last + 1], run_id)
    result.rows_out = tables.row_count(spark, table)
    return result


def _checked(ctx: Context, zone: str, run_id: str, result: Promotion, checks: list[quality.RuleResult]) -> bool:
    """Record the rules' results; True (and the result halted) when a halting rule failed."""
    result.checks = checks
    for c in checks:
        ctx.records.add("quality_results", run_id=run_id, zone=zone, table_name=result.table, rule=c.rule,
                        column_name=c.column, metric=c.metric, action=c.action, passed=c.passed,
                        failing_rows=c.failing_rows, measured=c.measured, detail=c.detail,
                        ingest_ids=result.ingests, checked_at=now())
    halts = [c for c in checks if c.action == "halt" and not c.passed]
    if halts:
        result.status = "halted"
        result.error = "; ".join(f"{c.rule}: {c.detail}" for c in halts)
    return bool(halts)


def _promote_audited(spark: SparkSession, ctx: Context, ds: Dataset, table: str, pending: list[IngestRecord],
                     carried: list[str], run_id: str, result: Promotion) -> Promotion:
    """Promote in one pass over the batch (write-audit-publish): the rules are measured by the write
    itself (``DataFrame.observe``), which lands on an audit branch that main fast-forwards to only
    when no halting rule failed. The common case: no CDC, all ingests carrying the same columns."""
    staged = _staged(spark, ctx, ds, pending)
    flagged, flags = quality.flag(ds.quality, staged)  # values as delivered
    observation = Observation(f"quality_{uuid.uuid4().hex}")
    treatments = {c.name: c.pii for c in ds.columns if c.pii}
    key = zone_key(ctx.home.platform / "keys", ds.zone)
    # Into an empty table every deduplicated row is new: an append does what the MERGE would, without
    # joining the batch to the table.
    empty = tables.row_count(spark, table) == 0
    # Only an append looks PII up: in a MERGE the lookup's join multiplies Spark's size estimate of the
    # batch, which then never qualifies for the hash join (HASH_JOIN), worth more (benchmarks/promote).
    lookups = hash_lookups(staged, treatments, key, sum(r.rows_staged or 0 for r in pending)) if empty else {}
    dropped = [c for c, t in treatments.items() if t == "drop"]
    cols = T.ods_columns([c.name for c in ds.columns], dropped, False) + ["_promoted_at"]
    good = quality.kept(flagged.observe(observation, *quality.measures(ds.quality, flags)), ds.quality, flags)
    # PII treated after the dedupe when neither key nor ordering column is PII (they would change):
    # only the surviving rows are hashed, and the shuffle carries the short raw values.
    late = not {*ds.primary_key, ds.options.latest_wins} & treatments.keys()
    if not late:
        good = T.protect_pii(good, treatments, key, lookups)
    latest = T.latest_per_key(good, ds.primary_key, ds.options.latest_wins)
    if late:
        latest = T.protect_pii(latest, treatments, key, lookups)
    latest.withColumn("_promoted_at", F.current_timestamp()).select(*cols).createOrReplaceTempView("batch")
    target = tables.audit_branch(spark, table)
    try:
        if empty:
            with one_sort(spark):
                spark.table("batch").writeTo(target).append()
        else:
            with conf(spark, {WINDOW_GROUP_LIMIT: "-1", **HASH_JOIN}):
                spark.sql(tables.merge_sql(ds, target, cols, T.ods_columns(carried, dropped, False) + ["_promoted_at"]))
        counts = _metrics(spark, observation)  # the write ran the batch's one pass
    except BaseException:
        tables.discard(spark, table)
        raise
    result.rows_in = int(counts["_n"])
    if _checked(ctx, ds.zone, run_id, result, quality.results(ds.quality, counts)):
        tables.discard(spark, table)
        return result  # main never saw the batch; the ingests stay pending
    result.rows_quarantined = int(counts["_held"] or 0)
    if result.rows_quarantined:  # from the unobserved rows: the observation is this write's alone
        held = quality.held(T.protect_pii(flagged, treatments, key), ds.quality, flags)
        tables.hold_back(spark, table, held.drop("_ingest_seq"), run_id)
    tables.publish(spark, table)
    # Only after Iceberg committed: a crash before this line re-merges the same rows next run.
    ctx.ledger.mark_promoted(result.ingests, run_id)
    result.rows_out = tables.row_count(spark, table)
    return result


# Hash each distinct value once (hash_lookups) from this many staged rows, when a column holds at most
# LOOKUP_VALUES distinct values and each repeats on average LOOKUP_REPEATS times or more.
LOOKUP_ROWS, LOOKUP_VALUES, LOOKUP_REPEATS = 200_000, 200_000, 4


def hash_lookups(staged: DataFrame, treatments: dict[str, str], key: bytes, rows: int) -> dict[str, DataFrame]:
    """The hashed PII columns worth a lookup of their distinct values' HMACs (``transforms.hash_lookup``).
    Two SHA-256 per row cost ~5 CPU us under the local JVM's C1 JIT (25 CPU s for 5 M rows,
    benchmarks/promote), while an e-mail column of 5 M claims holds 20 k addresses: reading that one
    column twice (to count, then to broadcast) and a hash lookup per row cost a fraction of that. A column
    of mostly distinct values, or too many to broadcast, is hashed row by row as before."""
    if rows < LOOKUP_ROWS:
        return {}  # a small batch: the two extra jobs (~0.5 s) would cost more than the hashing they save
    lookups = {}
    for name, how in treatments.items():
        if how in ("drop", "mask") or name not in staged.columns:
            continue
        lookup = T.hash_lookup(F.col(f"`{name}`"), staged, key)
        distinct = lookup.select("_pii_value").limit(LOOKUP_VALUES + 1).count()
        if distinct <= LOOKUP_VALUES and distinct * LOOKUP_REPEATS <= rows:
            lookups[name] = lookup
    return lookups


WINDOW_GROUP_LIMIT = "spark.sql.optimizer.windowGroupLimitThreshold"
# The MERGE's full outer join of the table with a much smaller batch as a shuffled hash join: the batch's
# rows build a hash table per partition and the table's rows stream past it unsorted. A sort-merge join
# sorts every row of the table (at 5 M rows: 600 MB spilled to disk, 13 executor CPU s more,
# benchmarks/promote). Spark builds a side only when it is 3x smaller than the other and its estimated
# size is under autoBroadcastJoinThreshold x shuffle partitions: the threshold is AQE's advisory partition
# size (64 MB) here, so a batch of ~0.5 M rows qualifies; a full outer join is never broadcast.
HASH_JOIN = {"spark.sql.join.preferSortMergeJoin": "false", "spark.sql.autoBroadcastJoinThreshold": "64m"}


def one_sort(spark: SparkSession) -> contextlib.AbstractContextManager[None]:
    """Statements planned inside sort the batch once for its latest-per-key window, after the shuffle.
    Spark 3.5 would also sort every map task's rows before it, to drop all but the first row per key
    early (InferWindowGroupLimit): a second full sort of the batch (at 5 M rows one that spills to disk)
    that saves next to nothing when keys are mostly unique, as a staged batch's are (benchmarks/promote)."""
    return conf(spark, {WINDOW_GROUP_LIMIT: "-1"})


def _metrics(spark: SparkSession, observation: Observation, seconds: int = 120) -> dict:
    """An observation's metrics once its query ran. They come through Spark's listener bus, which drops
    events when overloaded: a lost one must fail the run (nothing published), not hang it forever, as
    ``Observation.get`` would."""
    jvm: Any = spark._jvm  # type: ignore[attr-defined]
    jo: Any = observation._jo  # type: ignore[attr-defined]
    try:
        jvm.scala.concurrent.Await.result(jo.future(), jvm.scala.concurrent.duration.Duration.apply(seconds, "s"))
    except Py4JJavaError as err:
        raise RuntimeError(f"the quality metrics of the promotion's write did not arrive within {seconds} s") from err
    return observation.get


def column_groups(ds: Dataset, pending: list[IngestRecord]) -> list[tuple[int, int, list[str]]]:
    """(first, last, columns): runs of consecutive pending ingests (by index) that carried the same
    contract columns. An ingest recorded before the ledger kept its columns counts as carrying all."""
    groups: list[tuple[int, int, list[str]]] = []
    for i, rec in enumerate(pending):
        carried = [c.name for c in ds.columns if rec.columns is None or c.name in rec.columns]
        if groups and groups[-1][2] == carried:
            groups[-1] = (groups[-1][0], i, carried)
        else:
            groups.append((i, i, carried))
    return groups


def promote_task(spark: SparkSession | None, ctx: Context, zone: str, dataset: str, parent_run_id: str) -> Promotion:
    """One ``to_ods`` run as the task records it on AWS and locally alike: its ``platform.runs`` row
    (and lineage), the alert when the quality gate halts or a schema change is refused, and the
    recovery of those alerts once the dataset promotes again. ``spark`` None: the caller knows from
    the ledger and the table's metadata that there is nothing to promote (lake/local/idle.py)."""
    staging = f"s3://{ctx.buckets.staging}/{zone}/{dataset}/"
    with runlog.task_run(ctx, "to_ods", zone=zone, table_name=f"{zone}_ods.{dataset}", parent_run_id=parent_run_id,
                         inputs=[staging]) as task:
        p = Promotion(f"{zone}_ods.{dataset}") if spark is None else promote(spark, ctx, zone, dataset, parent_run_id)
        staged = [r.staged_key for r in (ctx.ledger.get(i) for i in p.ingests) if r and r.staged_key]
        task.inputs = [f"s3://{ctx.buckets.staging}/{k}" for k in staged] or task.inputs
        task.outputs = [p.table] if p.ingests else []
        task.rows_in, task.rows_out, task.rows_quarantined = p.rows_in, p.rows_out, p.rows_quarantined
        task.status = {"halted": "halted", "refused": "failed"}.get(p.status, "succeeded" if p.ingests else "skipped")
        task.error = p.error
    if p.status in ("halted", "refused"):
        what = "quality gate halted promotion of" if p.status == "halted" else "schema change refused for"
        rules = [c.rule for c in p.checks if c.action == "halt" and not c.passed]
        ctx.alert_zone(zone, "error", f"{what} {p.table}: {p.error}",
                       "Nothing from the batch was promoted; it stays pending. Fix the data (drop a corrected "
                       "file) or the contract, then run `lake run` again. Details: SELECT * FROM "
                       f"platform.quality_results WHERE run_id = '{parent_run_id}'", run_id=parent_run_id,
                       ingests=p.ingests, table=p.table, cause=p.status, rules=rules)
    elif p.ingests:
        recover(ctx, p.table, ["halted", "refused"], parent_run_id)
    return p
