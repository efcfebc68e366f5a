"""``lake run``: the local stand-in for the promotion state machine.

Same steps as Step Functions on AWS: the ``to_ods`` task for every dataset, then the projections
task for what those changes affect, in dependency order across zones (on AWS each zone's state
machine rebuilds its own, and an upstream zone's "Tables Updated" event starts the next). The
tasks record their own runs, alerts and lineage; this orchestrator adds only the ``promotion``
run that groups them (on AWS: the state machine's execution).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from lake.local.idle import idle_builds
from lake.runtime import runlog
from lake.runtime.context import Context

if TYPE_CHECKING:  # the Spark tasks are imported by run(), while the JVM starts
    from lake.tasks.projections.build import Build
    from lake.tasks.to_ods.promote import Promotion


@dataclass
class RunReport:
    run_id: str
    promotions: list[Promotion] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        from lake.tasks.projections.build import OK_STATUSES

        return all(b.status in OK_STATUSES for b in self.builds) and all(
            p.status not in ("halted", "refused") for p in self.promotions)


new_run_id = runlog.new_run_id


def rebuild_targets(cfg, table: str | None, zone: str | None) -> set[str]:  # noqa: ANN001 - a LakeConfig
    """What ``lake run --rebuild [TABLE]`` forces: TABLE (``<zone>_analytics.<name>``, or a projection
    name used by one zone only), or every projection of the run; raises ValueError naming the choices."""
    mine = [p for z in cfg.zones.values() if zone is None or z.name == zone for p in z.projections.values()]
    if table is None:
        return {p.table for p in mine}
    hits = [p.table for p in mine if table.lower() in (p.table, p.name)]
    if len(hits) != 1:
        why = "is ambiguous" if hits else "is not a projection" + (f" of zone '{zone}'" if zone else "")
        raise ValueError(f"--rebuild {table} {why}; projections: {', '.join(sorted(p.table for p in mine))}")
    return set(hits)


PROMOTERS = 2  # datasets promoted at a time: as many as the reference machine's cores (4 were no faster)


def promote_all(spark, ctx: Context, zones: list, run_id: str) -> list[Promotion]:  # noqa: ANN001
    """Every dataset of ``zones``, reported in order; on a local lake several at a time. Each dataset
    writes its own tables only (no commit conflicts), on its own thread with a copy of the session
    (settings and temporary views of its own) and its own ledger and records connections (a SQLite
    connection serves one thread). A small run's promotions are mostly the JVM's cold start (class
    loading, JIT) and per-statement overhead on the driver: side by side, they pay it at once and one
    thread's planning overlaps another's jobs (benchmarks/demo/PROFILE.md)."""
    from lake.backends.ledger import SqliteLedger
    from lake.backends.records import Records
    from lake.tasks.projections.sessions import session_copy
    from lake.tasks.to_ods.promote import promote_task

    todo = [(z.name, name) for z in zones for name in z.datasets]
    if min(len(todo), PROMOTERS) < 2 or type(ctx.ledger) is not SqliteLedger or type(
            ctx.records) is not Records:
        return [promote_task(spark, ctx, zone, name, run_id) for zone, name in todo]

    def promote_one(zone: str, name: str) -> Promotion:
        own = replace(ctx, ledger=SqliteLedger(ctx.home.ledger_db), records=Records(ctx.home.records_db))
        return promote_task(session_copy(spark), own, zone, name, run_id)

    with ThreadPoolExecutor(min(len(todo), PROMOTERS), thread_name_prefix="promotion") as pool:
        promotions = [f.result() for f in [pool.submit(promote_one, zone, name) for zone, name in todo]]
    # The copies' catalogs committed: this session's (caching) catalog may hold older versions.
    for p in promotions:
        if p.ingests or p.status == "rebuilt":
            spark.catalog.refreshTable(p.table)
    return promotions


def run(ctx: Context, zone: str | None = None, spark=None,  # noqa: ANN001 - a SparkSession
        rebuild: Collection[str] = ()) -> RunReport:
    """Promote (``zone`` only, if given) and rebuild what changed, on ``spark`` or a local session:
    projections whose definition or input snapshots changed since their last build, and the
    ``rebuild`` ones (lake/tasks/projections/state.py); the others are reported "unchanged". A run
    with nothing to do (lake/local/idle.py) starts no Spark."""
    from lake.spark import catalog_name, local_session  # the local runtime builds its session; Glue its own

    report = RunReport(new_run_id())
    whole = runlog.TaskRun("promotion", zone, None, None, report.run_id)
    runlog.log_event(ctx, "promotion started", whole)
    zones = [ctx.cfg.zones[zone]] if zone else list(ctx.cfg.zones.values())
    # Nothing pending and every projection unchanged: the same run recorded, without starting Spark.
    own_tables = spark is None or spark.catalog.currentCatalog() == catalog_name(ctx.home.warehouse)
    idle = idle_builds(ctx, zone, rebuild) if own_tables else None
    changed: set[str] = set()
    if idle is not None:
        from lake.tasks.projections.task import record
        from lake.tasks.to_ods.promote import promote_task

        report.promotions = [promote_task(None, ctx, z.name, name, report.run_id) for z in zones for name in z.datasets]
        report.builds = idle
        record(ctx, idle, report.run_id)
    else:
        # The JVM starts (seconds, mostly waiting on another process) on a thread while this one imports
        # the Spark tasks and the lineage client, none of which needs the JVM to load.
        with ThreadPoolExecutor(1, thread_name_prefix="spark-start") as pool:
            starting = pool.submit(local_session, ctx.home.warehouse) if spark is None else None
            from lake.backends import openlineage  # noqa: F401 - the first task's lineage event needs it
            from lake.tasks.projections.task import project
            from lake.tasks.to_ods.promote import promote_task
        if starting is not None:
            starting.result()
            spark = local_session(ctx.home.warehouse)  # the session started, made this thread's (lake/spark.py)
        report.promotions = promote_all(spark, ctx, zones, report.run_id)
        changed = {p.table for p in report.promotions if p.ingests and p.status in ("promoted", "rebuilt")}
        report.builds = project(spark, ctx, changed, report.run_id, zone=zone, force=rebuild)
    whole.inputs = sorted(i for p in report.promotions for i in p.ingests)
    whole.outputs = sorted(changed | {b.table for b in report.builds if b.status == "built"})
    whole.rows_in = sum(p.rows_in for p in report.promotions)
    whole.rows_quarantined = sum(p.rows_quarantined for p in report.promotions)
    whole.status = "succeeded" if report.ok else "failed"
    runlog.record(ctx, whole)
    return report
