"""Glue job ``to_ods``: promote a dataset's staged ingests into its ODS Iceberg table.

Thin: Glue's arguments, the session as Glue builds it, the backends; the task (and its run log,
alerts and lineage) is ``lake.tasks.to_ods.promote.promote_task``.
"""

from __future__ import annotations

from glue_jobs.args import job_context, resolve
from glue_jobs.session import glue_session
from lake.tasks.to_ods.promote import promote_task


def main() -> None:
    args = resolve(["zone", "dataset", "run_id"],
                   optional=("lake_backend", "ledger_table", "records_table", "staging_bucket", "lake_home",
                             "pii_key_secrets", "alert_topic_arn_pattern", "platform_alert_topic_arn"))
    ctx = job_context(args)
    result = promote_task(glue_session(), ctx, str(args["zone"]), str(args["dataset"]), str(args["run_id"]))
    if result.status in ("halted", "refused"):
        raise SystemExit(f"{result.table}: {result.status}: {result.error}")  # fails the task: the state machine stops


if __name__ == "__main__":
    main()
