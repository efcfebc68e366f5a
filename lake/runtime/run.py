"""``lake run``: the local stand-in for the promotion state machine.

Same steps as Step Functions on AWS: ``to_ods`` for every dataset with staged ingests,
then the projections those changes affect, in dependency order across zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from glue_jobs.projections.job import Build, rebuild
from glue_jobs.to_ods.job import Promotion, promote
from lake.backends.alerts import recover
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.spark import local_session


@dataclass
class RunReport:
    run_id: str
    promotions: list[Promotion] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(b.status == "built" for b in self.builds) and all(
            p.status not in ("halted", "refused") for p in self.promotions)


new_run_id = runlog.new_run_id


def _promote(spark, ctx: Context, zone: str, name: str, parent: str) -> Promotion:  # noqa: ANN001
    """One to_ods task run, recorded in ``platform.runs``."""
    staging = f"s3://{ctx.buckets.staging}/{zone}/{name}/"
    with runlog.task_run(ctx, "to_ods", zone=zone, table_name=f"{zone}_ods.{name}", parent_run_id=parent,
                         inputs=[staging]) as task:
        p = promote(spark, ctx, zone, name, parent)
        staged = [r.staged_key for r in (ctx.ledger.get(i) for i in p.ingests) if r and r.staged_key]
        task.inputs = [f"s3://{ctx.buckets.staging}/{k}" for k in staged] or task.inputs
        task.outputs = [p.table] if p.ingests else []
        task.rows_in, task.rows_out, task.rows_quarantined = p.rows_in, p.rows_out, p.rows_quarantined
        task.status = {"halted": "halted", "refused": "failed"}.get(p.status, "succeeded" if p.ingests else "skipped")
        task.error = p.error
    return p


def _record_build(ctx: Context, b: Build, parent: str, cfg_reads: dict[str, list[str]]) -> None:
    zone = b.table.split("_analytics.")[0]
    runlog.record(ctx, runlog.TaskRun(
        "projection", zone, b.table, parent, inputs=cfg_reads.get(b.table, []), outputs=[b.table],
        rows_out=b.rows if b.status == "built" else None, started_at=b.started_at or runlog.now(),
        ended_at=b.ended_at, status={"built": "succeeded", "skipped": "skipped"}.get(b.status, "failed"),
        error=b.error))


def _last_commit(spark, table: str, data_only: bool = False):  # noqa: ANN001, ANN202 - a datetime, or None
    """The table's newest snapshot; ``data_only``: not counting compactions ('replace', same rows)."""
    if not spark.catalog.tableExists(table):
        return None
    where = " WHERE operation != 'replace'" if data_only else ""
    row = spark.sql(f"SELECT max(committed_at) AS at FROM {table}.snapshots{where}").first()
    return row["at"] if row else None


def stale_inputs(spark, cfg, zone: str | None) -> set[str]:  # noqa: ANN001
    """Inputs changed after the projection reading them was built (by a run of another zone, which
    writes only its own tables): the zone's projections catch up on its next run."""
    out: set[str] = set()
    for z in [cfg.zones[zone]] if zone else cfg.zones.values():
        for p in z.projections.values():
            built = _last_commit(spark, p.table)
            for table in p.reads:
                changed = _last_commit(spark, table, data_only=True)
                if changed is not None and (built is None or changed > built):
                    out.add(table)
    return out


def run(ctx: Context, zone: str | None = None) -> RunReport:
    spark = local_session(ctx.home.warehouse)
    report = RunReport(new_run_id())
    whole = runlog.TaskRun("promotion", zone, None, None, report.run_id)
    runlog.log_event(ctx, "promotion started", whole)
    zones = [ctx.cfg.zones[zone]] if zone else list(ctx.cfg.zones.values())
    for z in zones:
        for name in z.datasets:
            report.promotions.append(_promote(spark, ctx, z.name, name, report.run_id))
    for p in report.promotions:
        if p.status in ("halted", "refused"):
            what = "quality gate halted promotion of" if p.status == "halted" else "schema change refused for"
            rules = [c.rule for c in p.checks if c.action == "halt" and not c.passed]
            ctx.alert_zone(p.table.split("_ods.")[0], "error", f"{what} {p.table}: {p.error}",
                           "Nothing from the batch was promoted; it stays pending. Fix the data (drop a corrected "
                           "file) or the contract, then run `lake run` again. Details: SELECT * FROM "
                           f"platform.quality_results WHERE run_id = '{report.run_id}'", run_id=report.run_id,
                           ingests=p.ingests, table=p.table, cause=p.status, rules=rules)
        elif p.ingests:
            recover(ctx, p.table, ["halted", "refused"], report.run_id)
    changed = {p.table for p in report.promotions if p.ingests and p.status in ("promoted", "rebuilt")}
    report.builds = rebuild(spark, ctx.cfg, changed | stale_inputs(spark, ctx.cfg, zone), zone)
    reads = {p.table: sorted(p.reads) for z in ctx.cfg.zones.values() for p in z.projections.values()}
    for b in report.builds:
        _record_build(ctx, b, report.run_id, reads)
    for b in report.builds:
        if b.status == "failed":  # its skipped dependants are told through this one alert (downstream)
            owner = b.table.split("_analytics.")[0]
            skipped = [s.table for s in report.builds if s.status == "skipped" and b.table in (s.error or "")]
            ctx.alert_zone(owner, "error", f"projection {b.table} failed: {b.error}",
                           f"Fix {b.sql_file} and run `lake run` again; the previous version stays in place"
                           + (f", and {', '.join(skipped)} were not rebuilt." if skipped else "."),
                           run_id=report.run_id, sql_file=b.sql_file, table=b.table, cause="projection failed")
        elif b.status == "built":
            recover(ctx, b.table, ["projection failed"], report.run_id)
    whole.inputs = sorted(i for p in report.promotions for i in p.ingests)
    whole.outputs = sorted(changed | {b.table for b in report.builds if b.status == "built"})
    whole.rows_in = sum(p.rows_in for p in report.promotions)
    whole.rows_quarantined = sum(p.rows_quarantined for p in report.promotions)
    whole.status = "succeeded" if report.ok else "failed"
    runlog.record(ctx, whole)
    return report
