"""The projections task as a recorded run: rebuild, then one ``platform.runs`` row per projection,
an alert for each failed one (its skipped dependants named in it) and a recovery for each rebuilt one.

The Glue job (``glue_jobs/projections/job.py``), the erasure and ``lake run`` all call this, so the
run log and the alerts are the same on AWS and locally.
"""

from __future__ import annotations

from pyspark.sql import SparkSession

from lake.backends.alerts import recover
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.tasks.projections.build import Build, rebuild

STATUS = {"built": "succeeded", "skipped": "skipped", "waiting": "skipped"}


def record_builds(ctx: Context, builds: list[Build], parent_run_id: str) -> None:
    """One ``projection`` run per build (inputs: the tables its SQL reads)."""
    reads = {p.table: sorted(p.reads) for z in ctx.cfg.zones.values() for p in z.projections.values()}
    for b in builds:
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
            ctx.alert_zone(owner, "error", f"projection {b.table} failed: {b.error}",
                           f"Fix {b.sql_file} and run `lake run` again; the previous version stays in place"
                           + (f", and {', '.join(skipped)} were not rebuilt." if skipped else "."),
                           run_id=run_id, sql_file=b.sql_file, table=b.table, cause="projection failed")
        elif b.status == "built":
            recover(ctx, b.table, ["projection failed"], run_id)


def project(spark: SparkSession, ctx: Context, changed: set[str], run_id: str,
            zone: str | None = None) -> list[Build]:
    """Rebuild the projections ``changed`` affects (``zone``'s only, if given), recorded and alerted."""
    builds = rebuild(spark, ctx.cfg, changed, zone)
    record_builds(ctx, builds, run_id)
    alert_builds(ctx, builds, run_id)
    return builds
