"""Validator Lambda: landing "Object Created" -> typed Parquet in staging, or quarantine with a report.

Thin: the logic is ``lake.ingest.validator``; ``lake.ingest.big_files`` hands files too big for
a Lambda to the Glue job running the same code. Idempotent through the ledger: an ingest that
already has an outcome, or whose lease another run holds, is left alone.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lake.backends.alerts import recover
from lake.ingest.big_files import dispatch
from lake.ingest.catalog import register_staged
from lake.ingest.routing import parse_landing_key
from lake.runtime.events import object_refs
from lake.runtime.ingest import current_context
from lake.runtime.runlog import task_run

logger = Logger(service="validator")
metrics = Metrics(namespace="InsightLake", service="validator")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    for ref in object_refs(record.raw_event):
        landing = parse_landing_key(ref.key)
        if landing is None:
            continue  # quarantine artefacts and stray keys: not ours to validate
        logger.append_keys(ingest_id=landing.ingest_id, zone=landing.zone, dataset=landing.dataset)
        ctx = current_context()
        with task_run(ctx, "validator", zone=landing.zone, table_name=f"{landing.zone}_staging.{landing.dataset}",
                      parent_run_id=landing.ingest_id, inputs=[f"s3://{ref.bucket}/{ref.key}"]) as run:
            logger.append_keys(run_id=run.run_id)
            rec = dispatch(ctx, ref.bucket, ref.key, int(ref.size or 0))
            if rec is None:
                run.status = "skipped"  # the Glue job running the same code records its own run
                logger.info("handed to the Glue job", extra={"key": ref.key})
                continue
            register_staged(ctx, rec)
            run.rows_in, run.rows_out, run.rows_quarantined = rec.rows_read, rec.rows_staged, rec.rows_quarantined
            run.outputs = [f"s3://{b}/{k}" for b, k in ((ctx.buckets.staging, rec.staged_key),
                                                          (ctx.buckets.landing, rec.quarantine_key)) if k]
            if rec.outcome == "quarantined":
                run.status, run.error = "failed", rec.reason
            elif rec.outcome == "staged":  # a clean file: the dataset's quarantine alerts are over
                recover(ctx, f"{landing.zone}_ods.{landing.dataset}", ["file quarantined", "rows quarantined"],
                        run.run_id)
            elif rec.outcome not in ("staged", "partial"):
                run.status = "skipped"  # already done, or another run holds the lease
        logger.info("validated", extra={"outcome": rec.outcome, "rows_read": rec.rows_read,
                                        "rows_staged": rec.rows_staged, "rows_quarantined": rec.rows_quarantined})
        metrics.add_metric(name=f"Files_{rec.outcome}", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="RowsStaged", unit=MetricUnit.Count, value=rec.rows_staged)
        metrics.add_metric(name="RowsQuarantined", unit=MetricUnit.Count, value=rec.rows_quarantined)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
