"""The projections task as a recorded run: rebuild, then one ``platform.runs`` row per projection,
an alert for each failed one (its skipped dependants named in it; failed tests with example rows)
and a recovery for each rebuilt one. Each successful build's record (definition fingerprint, input
snapshot ids) is saved in the platform records, so the next run, here or on AWS, skips what is
unchanged; each test result goes to ``platform.quality_results``.

The Glue job (``glue_jobs/projections/job.py``), the erasure and ``lake run`` all call this, so the
run log and the alerts are the same on AWS and locally.
"""

from __future__ import annotations

from collections.abc import Collection

from pyspark.sql import SparkSession

from lake.backends.alerts import recover
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.tasks.projections import state as build_state
from lake.tasks.projections.build import Build, rebuild

STATUS = {"built": "succeeded", "skipped": "skipped", "waiting": "skipped"}


def record_builds(ctx: Context, builds: list[Build], parent_run_id: str) -> None:
    """One ``projection`` run per build (inputs: the tables its SQL reads)."""
    reads = {p.table: sorted(p.reads) for z in ctx.cfg.zones.values() for p in z.projections.values()}
    for b in builds:
        if b.status == "unchanged":  # not a run: a log line says why (the CLI prints it)
            runlog.log_event(ctx, "projection unchanged", runlog.TaskRun("projection", b.table.split("_analytics.")[0],
                                                                         b.table, parent_run_id), reason=b.error)
            continue
        runlog.record(ctx, runlog.TaskRun(
            "projection", b.table.split("_analytics.")[0], b.table, parent_run_id, inputs=reads.get(b.table, []),
            outputs=[b.table], rows_out=b.rows if b.status == "built" else None,
            started_at=b.started_at or runlog.now(), ended_at=b.ended_at, status=STATUS.get(b.status, "failed"),
            error=b.error))


def alert_builds(ctx: Context, builds: list[Build], run_id: str) -> None:
    for b in builds:
        if b.status == "failed":  # its skipped dependants are told through this one alert (downstream)
            owner = b.table.split("_analytics.")[0]
            skipped = [s.table for s in builds if s.status == "skipped" and b.table in (s.error or "")]
            failed_tests = [r for r in b.tests if not r.passed]
            fix = (f"Fix the data or the tests ({', '.join(r.test for r in failed_tests)}) and run `lake run` again; "
                   "the new result was not published, the previous version stays current") if failed_tests else \
                f"Fix {b.sql_file} and run `lake run` again; the previous version stays in place"
            ctx.alert_zone(owner, "error", f"projection {b.table} failed: {b.error}",
                           fix + (f", and {', '.join(skipped)} were not rebuilt." if skipped else "."),
                           run_id=run_id, sql_file=b.sql_file, table=b.table, cause="projection failed",
                           failed_tests=[{"test": r.test, "failing_rows": r.failing_rows, "examples": r.examples,
                                          "error": r.error} for r in failed_tests] or None)
        elif b.status == "built":
            recover(ctx, b.table, ["projection failed"], run_id)


def record_tests(ctx: Context, builds: list[Build], run_id: str) -> None:
    for b in builds:
        for r in b.tests:
            ctx.records.add("quality_results", run_id=run_id, zone=b.table.split("_analytics.")[0],
                            table_name=b.table, rule=r.test, metric="failing_rows", action="block",
                            passed=r.passed, failing_rows=r.failing_rows, measured=r.failing_rows,
                            detail=None if r.passed else r.describe(), checked_at=runlog.now())


def project(spark: SparkSession, ctx: Context, changed: set[str], run_id: str,
            zone: str | None = None, force: Collection[str] = ()) -> list[Build]:
    """Build the projections (``zone``'s only, if given) whose definition or inputs changed since their
    last build, those ``changed`` tables affect and the ``force``d ones, then their dependants;
    recorded and alerted. The rest are "unchanged"."""
    zones = [zone] if zone else list(ctx.cfg.zones)
    last = build_state.load(ctx.records, zones)
    builds = rebuild(spark, ctx.cfg, changed, zone, last=last, force=force)
    record(ctx, builds, run_id)
    return builds


def record(ctx: Context, builds: list[Build], run_id: str) -> None:
    """Save each successful build's record, then record the runs, test results and alerts."""
    for b in builds:
        if b.status == "built" and b.record is not None:
            b.record.run_id = run_id
            build_state.save(ctx.records, b.record)
    record_builds(ctx, builds, run_id)
    record_tests(ctx, builds, run_id)
    alert_builds(ctx, builds, run_id)
