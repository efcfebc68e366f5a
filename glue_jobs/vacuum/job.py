"""Glue job ``vacuum``: physically remove what an erasure deleted from the zones' Iceberg tables.

Thin: Glue's arguments, the session as Glue builds it, the backends; the task (and its run record)
is ``lake.tasks.vacuum.vacuum_task``.
"""

from __future__ import annotations

import json
from datetime import timedelta

from glue_jobs.args import job_context, resolve
from glue_jobs.session import glue_session
from lake.tasks.vacuum import vacuum_task


def main() -> None:
    args = resolve(["zones", "orphan_min_age_minutes"], optional=(
        "run_id", "lake_backend", "ledger_table", "records_table", "ingress_bucket", "landing_bucket",
        "staging_bucket", "lake_home", "alert_topic_arn_pattern", "platform_alert_topic_arn"))
    ctx = job_context(args)
    results = vacuum_task(glue_session(), ctx, json.loads(str(args["zones"])),
                          timedelta(minutes=int(str(args["orphan_min_age_minutes"]))), args.get("run_id"))
    failed = [r.table for r in results if r.error]
    if failed:
        raise SystemExit(f"vacuum failed for {', '.join(failed)}")  # fails the task: the workflow retries, alerts


if __name__ == "__main__":
    main()
