"""The ingest tasks as recorded runs: receive (ingress -> landing) and validate (landing -> staging).

The receiver and validator Lambdas, the big-file Glue job, the sweep and the local event flow all
call these, so every ingress object leaves the same ``platform.runs`` rows, catalog partitions and
recoveries wherever it was ingested.
"""

from __future__ import annotations

from collections.abc import Callable

from lake.backends.alerts import recover
from lake.backends.ledger import IngestRecord
from lake.ingest.big_files import dispatch
from lake.ingest.catalog import register_staged
from lake.ingest.receiver import receive
from lake.ingest.routing import parse_landing_key
from lake.ingest.validator import validate
from lake.runtime.context import Context
from lake.runtime.events import ObjectRef
from lake.runtime.runlog import task_run


def receive_task(ctx: Context, ref: ObjectRef) -> IngestRecord | None:
    """Land one ingress object version (a ``receiver`` run); None when the object is not the lake's."""
    with task_run(ctx, "receiver", inputs=[f"s3://{ref.bucket}/{ref.key}"]) as run:
        rec = receive(ctx, ref)
        if rec is None:
            run.status = "skipped"
            return None
        run.zone, run.parent_run_id = rec.zone, rec.ingest_id
        run.table_name = f"{rec.zone}_landing.{rec.dataset}" if rec.zone and rec.dataset else None
        out_key = rec.landing_key or rec.quarantine_key
        run.outputs = [f"s3://{ctx.buckets.landing}/{out_key}"] if out_key else []
        if rec.outcome == "quarantined":
            run.status, run.error = "failed", rec.reason
        elif rec.outcome == "duplicate":
            run.status = "skipped"
    return rec


def validate_task(ctx: Context, bucket: str, key: str, size: int | None = None,
                  start_job: Callable[[str, str], str] | None = None, runner: str | None = None) -> IngestRecord | None:
    """Validate one landed file (a ``validator`` run): staged Parquet registered in the catalog, or
    quarantine. ``runner="glue"`` validates here whatever the size (the big-file job); otherwise a file
    too big for a Lambda is handed to that job (None: the job records its own run)."""
    landing = parse_landing_key(key)
    if landing is None:
        return None  # quarantine artefacts and stray keys: not ours to validate
    with task_run(ctx, "validator", zone=landing.zone, table_name=f"{landing.zone}_staging.{landing.dataset}",
                  parent_run_id=landing.ingest_id, inputs=[f"s3://{bucket}/{key}"]) as run:
        rec = (validate(ctx, bucket, key, runner=runner) if runner else
               dispatch(ctx, bucket, key, int(size or 0), start_job=start_job))
        if rec is None:
            run.status = "skipped"  # handed to the Glue job, which records its own run
            return None
        register_staged(ctx, rec)
        run.rows_in, run.rows_out, run.rows_quarantined = rec.rows_read, rec.rows_staged, rec.rows_quarantined
        run.outputs = [f"s3://{b}/{k}" for b, k in ((ctx.buckets.staging, rec.staged_key),
                                                      (ctx.buckets.landing, rec.quarantine_key)) if k]
        if rec.outcome == "quarantined":
            run.status, run.error = "failed", rec.reason
        elif rec.outcome == "staged":  # a clean file: the dataset's quarantine alerts are over
            recover(ctx, f"{landing.zone}_ods.{landing.dataset}", ["file quarantined", "rows quarantined"],
                    run.run_id)
        elif rec.outcome != "partial":
            run.status = "skipped"  # already done, or another run holds the lease
    return rec
