"""Glue job ``projections``: rebuild the zone's (``--zone``) analytics tables that ``--changed`` affects.

Thin: Glue's arguments, the session as Glue builds it, the backends; the task (and its run log,
alerts and lineage) is ``lake.tasks.projections.task.project``. Only the zone's own projections:
its role may read its inputs and nothing else; downstream zones rebuild on "Tables Updated".
"""

from __future__ import annotations

import json

from glue_jobs.args import job_context, resolve
from glue_jobs.session import glue_session
from lake.runtime.lock import LOCK_WAIT, for_home, hold, zone_lock
from lake.tasks.projections.build import OK_STATUSES
from lake.tasks.projections.task import project


def main() -> None:
    args = resolve(["zone", "run_id"], optional=("changed", "lake_backend", "ledger_table", "records_table",
                                                 "staging_bucket", "lake_home", "alert_topic_arn_pattern",
                                                 "platform_alert_topic_arn"))
    ctx = job_context(args)
    changed = set(json.loads(args["changed"] or "[]"))
    zone = str(args["zone"])
    with hold(for_home(ctx.home.platform), [zone_lock(zone)], f"projections {zone}", LOCK_WAIT):
        builds = project(glue_session(), ctx, changed, str(args["run_id"]), zone=zone)
    failed = [b for b in builds if b.status not in OK_STATUSES]
    if failed:
        raise SystemExit("; ".join(f"{b.table} {b.status}: {b.error} ({b.sql_file})" for b in failed))


if __name__ == "__main__":
    main()
