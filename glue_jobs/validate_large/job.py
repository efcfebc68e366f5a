"""Glue job ``validate_large``: one landed file too big for the validator Lambda.

The same validation code as the Lambda (``lake.ingest``), streaming record batches, with
the Glue job's longer time limit. The validator Lambda starts it with ``--landing_bucket``
and ``--landing_key``; the job takes the ledger lease and records the outcome itself.
"""

from __future__ import annotations

from glue_jobs.args import job_context, resolve
from lake.ingest.big_files import main as validate_one
from lake.ingest.catalog import register_staged


def main() -> int:
    args = resolve(["landing_bucket", "landing_key"], optional=(
        "lake_backend", "ledger_table", "records_table", "ingress_bucket", "staging_bucket", "alert_topic_arn_pattern",
        "platform_alert_topic_arn"))
    ctx = job_context(args)
    code = validate_one(["--landing_bucket", str(args["landing_bucket"]), "--landing_key", str(args["landing_key"])],
                        ctx)
    for rec in ctx.ledger.records():
        if rec.landing_key == args["landing_key"] and rec.outcome in ("staged", "partial"):
            register_staged(ctx, rec)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
