"""Glue job ``erase``: remove a data subject from every layer, history included.

Arguments: ``--request_id <id> --request_key <key>`` (the request itself is read from the landing
bucket, so the value never appears in arguments). Thin: the task, its order and its run record are
``lake.tasks.erase.run.run_request``.
"""

from __future__ import annotations

from glue_jobs.args import job_context, resolve
from glue_jobs.session import glue_session
from lake.tasks.erase.run import run_request


def main() -> None:
    args = resolve(["request_id", "request_key"],
                   optional=("lake_backend", "ledger_table", "records_table", "ingress_bucket", "landing_bucket",
                             "staging_bucket", "lake_home", "alert_topic_arn_pattern", "platform_alert_topic_arn",
                             "pii_key_secrets", "run_id"))
    ctx = job_context(args)
    report = run_request(glue_session(), ctx, str(args["request_id"]), str(args["request_key"]))
    print(f"erasure {report.request_id}: {report.rows_removed} row(s) removed")


if __name__ == "__main__":
    main()
