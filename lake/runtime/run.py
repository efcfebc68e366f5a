"""``lake run``: the local stand-in for the promotion state machine.

Same steps as Step Functions on AWS: ``to_ods`` for every dataset with staged ingests,
then the projections those changes affect, in dependency order across zones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from glue_jobs.projections.job import Build, rebuild
from glue_jobs.to_ods.job import Promotion, promote
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


def new_run_id() -> str:
    return "run-" + uuid.uuid4().hex[:12]


def run(ctx: Context, zone: str | None = None) -> RunReport:
    spark = local_session(ctx.home.warehouse)
    report = RunReport(new_run_id())
    zones = [ctx.cfg.zones[zone]] if zone else list(ctx.cfg.zones.values())
    for z in zones:
        for name in z.datasets:
            report.promotions.append(promote(spark, ctx, z.name, name, report.run_id))
    for p in report.promotions:
        if p.status in ("halted", "refused"):
            what = "quality gate halted promotion of" if p.status == "halted" else "schema change refused for"
            ctx.alert_zone(p.table.split("_ods.")[0], "error", f"{what} {p.table}: {p.error}",
                           "Nothing from the batch was promoted; it stays pending. Fix the data (drop a corrected "
                           "file) or the contract, then run `lake run` again.", run_id=report.run_id,
                           ingests=p.ingests)
    changed = {p.table for p in report.promotions if p.ingests and p.status in ("promoted", "rebuilt")}
    report.builds = rebuild(spark, ctx.cfg, changed)
    for b in report.builds:
        if b.status != "built":
            owner = b.table.split("_analytics.")[0]
            ctx.alert_zone(owner, "error", f"projection {b.table} {b.status}: {b.error}",
                           f"Fix {b.sql_file} and run `lake run` again; the previous version stays in place.",
                           run_id=report.run_id, sql_file=b.sql_file)
    return report
