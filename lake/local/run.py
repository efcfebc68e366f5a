"""``lake run``: the local stand-in for the promotion state machine.

Same steps as Step Functions on AWS: the ``to_ods`` task for every dataset, then the projections
task for what those changes affect, in dependency order across zones (on AWS each zone's state
machine rebuilds its own, and an upstream zone's "Tables Updated" event starts the next). The
tasks record their own runs, alerts and lineage; this orchestrator adds only the ``promotion``
run that groups them (on AWS: the state machine's execution).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lake.runtime import runlog
from lake.runtime.context import Context
from lake.tasks.projections.build import Build
from lake.tasks.projections.task import project
from lake.tasks.to_ods.promote import Promotion, promote_task


@dataclass
class RunReport:
    run_id: str
    promotions: list[Promotion] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(b.status in ("built", "waiting") for b in self.builds) and all(
            p.status not in ("halted", "refused") for p in self.promotions)


new_run_id = runlog.new_run_id


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


def run(ctx: Context, zone: str | None = None, spark=None) -> RunReport:  # noqa: ANN001 - a SparkSession
    """Promote (``zone`` only, if given) and rebuild what changed, on ``spark`` or a local session."""
    if spark is None:
        from lake.spark import local_session  # the local runtime builds its session; Glue builds its own

        spark = local_session(ctx.home.warehouse)
    report = RunReport(new_run_id())
    whole = runlog.TaskRun("promotion", zone, None, None, report.run_id)
    runlog.log_event(ctx, "promotion started", whole)
    zones = [ctx.cfg.zones[zone]] if zone else list(ctx.cfg.zones.values())
    for z in zones:
        for name in z.datasets:
            report.promotions.append(promote_task(spark, ctx, z.name, name, report.run_id))
    changed = {p.table for p in report.promotions if p.ingests and p.status in ("promoted", "rebuilt")}
    report.builds = project(spark, ctx, changed | stale_inputs(spark, ctx.cfg, zone), report.run_id, zone=zone)
    whole.inputs = sorted(i for p in report.promotions for i in p.ingests)
    whole.outputs = sorted(changed | {b.table for b in report.builds if b.status == "built"})
    whole.rows_in = sum(p.rows_in for p in report.promotions)
    whole.rows_quarantined = sum(p.rows_quarantined for p in report.promotions)
    whole.status = "succeeded" if report.ok else "failed"
    runlog.record(ctx, whole)
    return report
