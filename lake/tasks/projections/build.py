"""The ``projections`` task: rebuild analytics tables from their Athena SQL, in DAG order.

Each projection replaces its table atomically (Iceberg createOrReplace of the checked DataFrame),
so a failing projection leaves the previous version in place; its dependants are skipped. A
projection with declared tests is written to a candidate table first (``<zone>_analytics._audit_<name>``,
a name no projection can have), tested there, and copied to its table only when every test passed
(write, audit, publish): readers never see a result that failed its tests, whatever the engine,
and the previous snapshot simply stays current. Given the last builds (``state``), a projection
whose definition and input snapshots did not change is not built ("unchanged").
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.utils import AnalysisException

from lake.backends.ledger import now
from lake.config import LakeConfig, Projection
from lake.sql import to_spark
from lake.sql.spark import athena_session, spark_schema
from lake.tasks.projections import guard, pii_check
from lake.tasks.projections import state as build_state
from lake.tasks.projections.checks import TestResult, TestsFailed, run_tests
from lake.tasks.projections.plan import affected, build_order
from lake.tasks.projections.sessions import session_copy

OK_STATUSES = ("built", "waiting", "unchanged")  # a run with only these succeeded
BUILDERS = 2  # projections built at once
AUDIT_PREFIX = "_audit_"


@dataclass
class Build:
    table: str
    status: str  # "built" | "failed" | "skipped" | "waiting" | "unchanged"
    rows: int = 0
    error: str | None = None  # why it failed, was skipped, waits, or is unchanged
    sql_file: str = ""
    started_at: str | None = None
    ended_at: str | None = None
    reason: str = ""  # why it was built (definition changed, input changed ...)
    tests: list[TestResult] = field(default_factory=list)
    record: build_state.BuildRecord | None = None  # what a successful build read, to be saved


def _python_transform(projection: Projection):  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(f"projection_{projection.zone}_{projection.name}", projection.path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.transform


def _frame(spark: SparkSession, projection: Projection, cfg: LakeConfig) -> DataFrame:
    """Check what the projection reads (guard.py): its result as a plan, nothing read or written yet.
    Call it inside ``_session``: a SQL projection's plan is Athena's only in an ANSI session."""
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {projection.zone}_analytics")
    if projection.is_python:
        # Only the declared inputs are handed over, and the returned plan may read nothing else.
        df = guard.checked_python(spark, cfg, projection, _python_transform(projection))
        pii_check.check_declaration(cfg, projection, df)  # PII_COLUMNS must list what derives from PII
    else:  # Athena semantics (lake.sql): the SQL rewritten with the inputs' types
        df = guard.checked_sql(spark, cfg, projection, to_spark(projection.sql, spark_schema(spark, projection.reads)))
    return df.withColumn("_promoted_at", F.current_timestamp())


def _session(spark: SparkSession, projection: Projection) -> AbstractContextManager[object]:
    """ANSI Spark for a SQL projection's whole build, its write and tests included (the plan is lazy)."""
    return contextlib.nullcontext() if projection.is_python else athena_session(spark)


def _replace(df: DataFrame, table: str) -> None:
    df.writeTo(table).using("iceberg").tableProperty("format-version", "2").createOrReplace()


def build(spark: SparkSession, projection: Projection, cfg: LakeConfig) -> int:
    """Replace the projection's table, tests not run (the erasure: its rebuild must never be held
    back); a denial writes nothing."""
    with _session(spark, projection):
        _replace(_frame(spark, projection, cfg), projection.table)
    return build_state.rows_now(spark, projection.table)


def audit_table(projection: Projection) -> str:
    return f"{projection.zone}_analytics.{AUDIT_PREFIX}{projection.name}"


def build_tested(spark: SparkSession, projection: Projection, cfg: LakeConfig) -> tuple[int, list[TestResult]]:
    """Build, test the result in its candidate table, publish it only if every test passed;
    raises TestsFailed (the table untouched) otherwise."""
    with _session(spark, projection):
        df = _frame(spark, projection, cfg)
        if not projection.tests:
            _replace(df, projection.table)
            return build_state.rows_now(spark, projection.table), []
        candidate = audit_table(projection)
        try:
            _replace(df, candidate)
            results = run_tests(spark, cfg, projection, candidate)
            if not all(r.passed for r in results):
                raise TestsFailed(projection.table, results)
            _replace(spark.table(candidate), projection.table)
        finally:
            spark.sql(f"DROP TABLE IF EXISTS {candidate} PURGE")
    return build_state.rows_now(spark, projection.table), results


def _due(spark: SparkSession, p: Projection, changed: set[str], missing: set[str], force: Collection[str],
         last: dict[str, build_state.BuildRecord] | None) -> tuple[str | None, build_state.BuildRecord]:
    """Why ``p`` is built in this run (None: it is not), and what it reads now."""
    inputs = {t: build_state.current_snapshot(spark, t) for t in sorted(p.reads)}
    record = build_state.BuildRecord(p.table, build_state.fingerprint(p), inputs)
    if p.table in force:
        return "rebuild forced", record
    if p.table in missing:
        return "table not built yet", record
    if p.reads & changed:
        return f"input changed: {', '.join(sorted(p.reads & changed))}", record
    if last is None:
        return None, record
    return build_state.why_due(p, last.get(p.table), record.fingerprint, inputs,
                               lambda table, since, now_id: build_state.only_compacted(spark, table, since, now_id)
                               ), record


def unchanged(p: Projection, last: dict[str, build_state.BuildRecord] | None) -> Build:
    """The report of a projection not built because nothing it depends on changed."""
    built = last.get(p.table) if last else None
    return Build(p.table, "unchanged", sql_file=str(p.path),
                 error=f"definition and input snapshots as at its last build (run {built.run_id if built else '?'})")


def rebuild(spark: SparkSession, cfg: LakeConfig, changed: set[str], zone: str | None = None, *,
            last: dict[str, build_state.BuildRecord] | None = None, force: Collection[str] = ()) -> list[Build]:
    """Rebuild what ``changed`` tables affect (only ``zone``'s projections, if given: on AWS each zone's
    job may read its own inputs only, and other zones rebuild on their own "Tables Updated" event);
    a failure skips everything downstream of it.

    With ``last`` (the last successful builds, lake/tasks/projections/state.py) every projection is
    considered, in dependency order: built when forced, missing, its definition or an input's snapshot
    changed (so also after an upstream projection was rebuilt here), with its tests; otherwise
    "unchanged". Without it (the erasure) only what ``changed`` affects, tests not run."""
    mine = [p for z in cfg.zones.values() if zone is None or z.name == zone for p in z.projections.values()]
    missing = {p.table for p in mine if not spark.catalog.tableExists(p.table)}
    candidates = build_order(cfg) if last is not None else affected(cfg, changed, missing)
    changed = set(changed)  # grows with what this run rebuilds: its dependants are due too
    failed: set[str] = set()
    results: list[Build | Future[Build]] = []  # in build order; a build under way is its future
    running: dict[str, Future[Build]] = {}

    def finished(table: str) -> None:
        """Wait for a build of this run; what it read is then due (built) or skipped (failed)."""
        status = running.pop(table).result().status
        if status == "built":
            changed.add(table)
            # Built on a session copy, whose catalog cached the new snapshot: this session's catalog
            # caches the table too (Iceberg's CachingCatalog), and must not answer with the old one.
            spark.catalog.refreshTable(table)
        elif status == "failed":
            failed.add(table)

    # Independent projections build two at a time (one JVM, two task threads: while one plans, commits
    # or reads metadata on the driver, the other runs); a projection starts once its inputs built here did.
    with ThreadPoolExecutor(BUILDERS, thread_name_prefix="projection") as pool:
        for p in candidates:
            if zone is not None and p.zone != zone:
                continue
            for upstream in sorted(p.reads & running.keys()):
                finished(upstream)
            upstream_failed = sorted(p.reads & failed)
            if upstream_failed:
                failed.add(p.table)
                results.append(Build(p.table, "skipped", error=f"upstream failed: {', '.join(upstream_failed)}",
                                     sql_file=str(p.path)))
                continue
            reason, record = _due(spark, p, changed, missing, force, last)
            if reason is None:
                results.append(unchanged(p, last))
                continue
            absent = sorted(t for t in p.reads if not spark.catalog.tableExists(t))
            if absent and (p.table in missing or not p.reads & changed):
                # Never built (or due for no change of its own), and an input is not loaded yet: another zone's
                # first load, or a dataset of this zone whose first file has not arrived while another's did
                # (both found by the twin). It waits for that input's "Tables Updated"; it has not failed.
                results.append(Build(p.table, "waiting", error=f"waiting for {', '.join(absent)}",
                                     sql_file=str(p.path)))
                continue
            if last is None:  # the erasure: on the caller's session, one at a time (it goes on with that session)
                running[p.table] = Future()
                running[p.table].set_result(_build_one(spark, cfg, p, reason, record, tested=False, copy=False))
            else:
                running[p.table] = pool.submit(_build_one, spark, cfg, p, reason, record, tested=True)
            results.append(running[p.table])
        for table in list(running):
            finished(table)
    return [r.result() if isinstance(r, Future) else r for r in results]


def _build_one(spark: SparkSession, cfg: LakeConfig, p: Projection, reason: str, record: build_state.BuildRecord,
               tested: bool, copy: bool = True) -> Build:
    """Build ``p`` (with its tests when ``tested``), with ``copy`` on a session of its own: a SQL build's
    ANSI settings (``athena_session``) and temporary views stay its own while another build runs."""
    own = session_copy(spark) if copy else spark
    started = now()
    try:
        if tested:
            rows, tests = build_tested(own, p, cfg)
        else:
            rows, tests = build(own, p, cfg), []
        record.snapshot_id = build_state.current_snapshot(own, p.table)
        result = Build(p.table, "built", rows, sql_file=str(p.path), reason=reason, tests=tests, record=record)
    except TestsFailed as err:
        result = Build(p.table, "failed", error=str(err), sql_file=str(p.path), reason=reason, tests=err.results)
    except (AnalysisException, Exception) as err:  # noqa: BLE001 - any SQL error is the projection's failure
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        result = Build(p.table, "failed", error=first_line, sql_file=str(p.path), reason=reason)
    finally:
        if own is not spark:  # the thread's JVM keeps its active session: give it back the caller's
            spark._jvm.SparkSession.setActiveSession(spark._jsparkSession)  # type: ignore[attr-defined,union-attr]
    result.started_at, result.ended_at = started, now()  # for the run log
    return result
