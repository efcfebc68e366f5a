"""Glue job ``to_ods``: promote a dataset's staged ingests into its ODS Iceberg table.

Thin: Glue's arguments, the session as Glue builds it, the backends; the task (and its run log,
alerts and lineage) is ``lake.tasks.to_ods.promote.promote_task``.
"""

from __future__ import annotations

from glue_jobs.args import job_context, resolve
from glue_jobs.session import glue_session
from lake.runtime.lock import LOCK_WAIT, for_home, hold, zone_lock
from lake.tasks.to_ods.promote import promote_task


def main() -> None:
    args = resolve(["zone", "dataset", "run_id"],
                   optional=("lake_backend", "ledger_table", "records_table", "staging_bucket", "lake_home",
                             "pii_key_secrets", "alert_topic_arn_pattern", "platform_alert_topic_arn"))
    ctx = job_context(args)
    zone = str(args["zone"])
    # The zone's lock (DynamoDB on AWS): an erasure or vacuum of the zone never meets this commit.
    with hold(for_home(ctx.home.platform), [zone_lock(zone)], f"to_ods {zone}.{args['dataset']}", LOCK_WAIT):
        result = promote_task(glue_session(), ctx, zone, str(args["dataset"]), str(args["run_id"]))
    if result.status in ("halted", "refused"):
        raise SystemExit(f"{result.table}: {result.status}: {result.error}")  # fails the task: the state machine stops


if __name__ == "__main__":
    main()
