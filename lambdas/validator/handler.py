"""Validator Lambda: landing "Object Created" -> typed Parquet in staging, or quarantine with a report.

Thin: the logic (and the run record) is ``lake.tasks.ingest.validate_task``, which hands files too
big for a Lambda to the Glue job running the same task. Idempotent through the ledger: an ingest that
already has an outcome, or whose lease another run holds, is left alone.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lake.runtime.context import current_context
from lake.runtime.events import object_refs
from lake.tasks.ingest import validate_task

logger = Logger(service="validator")
metrics = Metrics(namespace="InsightLake", service="validator")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    for ref in object_refs(record.raw_event):
        rec = validate_task(current_context(), ref.bucket, ref.key, ref.size)
        if rec is None:
            logger.info("not validated here (handed to the Glue job, or not a landed file)", extra={"key": ref.key})
            continue
        logger.append_keys(ingest_id=rec.ingest_id, zone=rec.zone, dataset=rec.dataset)
        logger.info("validated", extra={"outcome": rec.outcome, "rows_read": rec.rows_read,
                                        "rows_staged": rec.rows_staged, "rows_quarantined": rec.rows_quarantined})
        metrics.add_metric(name=f"Files_{rec.outcome}", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="RowsStaged", unit=MetricUnit.Count, value=rec.rows_staged)
        metrics.add_metric(name="RowsQuarantined", unit=MetricUnit.Count, value=rec.rows_quarantined)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
