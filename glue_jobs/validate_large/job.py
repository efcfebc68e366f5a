"""Glue job ``validate_large``: one landed file too big for the validator Lambda.

Thin: the same validation task as the Lambda (``lake.tasks.ingest.validate_task``, streaming record
batches) with the Glue job's longer time limit. The validator Lambda starts it with
``--landing_bucket`` and ``--landing_key``; the task takes the ledger lease, registers the staged
file in the catalog and records its own ``validator`` run.
"""

from __future__ import annotations

from glue_jobs.args import job_context, resolve
from lake.tasks.ingest import validate_task


def main() -> int:
    args = resolve(["landing_bucket", "landing_key"], optional=(
        "lake_backend", "ledger_table", "records_table", "ingress_bucket", "staging_bucket",
        "lake_home", "alert_topic_arn_pattern", "platform_alert_topic_arn"))
    rec = validate_task(job_context(args), str(args["landing_bucket"]), str(args["landing_key"]), runner="glue")
    print(rec.outcome if rec else "nothing to do")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
