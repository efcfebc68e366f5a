"""Receiver Lambda: ingress "Object Created" (S3 -> EventBridge -> SQS) -> landing copy + ledger claim.

Thin on purpose: parse the event, log with the ingest id, count outcomes; the logic is
``lake.ingest.receiver``. SQS partial batch failures let one bad message retry alone.
Idempotency is keyed on bucket + key + version by the ledger's conditional claim (DynamoDB on
AWS): a redelivered event becomes a recorded ``duplicate``, never a second ingest.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lake.ingest.receiver import receive
from lake.runtime.events import object_refs
from lake.runtime.ingest import current_context
from lake.runtime.runlog import task_run

logger = Logger(service="receiver")
metrics = Metrics(namespace="InsightLake", service="receiver")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    refs = object_refs(record.raw_event)
    if not refs:
        logger.warning("not an S3 Object Created event; skipped", extra={"body": record.body[:500]})
    for ref in refs:
        ctx = current_context()
        with task_run(ctx, "receiver", inputs=[f"s3://{ref.bucket}/{ref.key}"]) as run:
            logger.append_keys(run_id=run.run_id)
            rec = receive(ctx, ref)
            if rec is None:
                run.status = "skipped"
                metrics.add_metric(name="ObjectsIgnored", unit=MetricUnit.Count, value=1)
                continue
            run.zone, run.parent_run_id = rec.zone, rec.ingest_id
            run.table_name = f"{rec.zone}_landing.{rec.dataset}" if rec.zone and rec.dataset else None
            out_key = rec.landing_key or rec.quarantine_key
            run.outputs = [f"s3://{ctx.buckets.landing}/{out_key}"] if out_key else []
            if rec.outcome == "quarantined":
                run.status, run.error = "failed", rec.reason
            elif rec.outcome == "duplicate":
                run.status = "skipped"
        logger.append_keys(ingest_id=rec.ingest_id, zone=rec.zone, dataset=rec.dataset)
        logger.info("received", extra={"key": ref.key, "outcome": rec.outcome, "landing_key": rec.landing_key})
        metrics.add_metric(name=f"Objects_{rec.outcome}", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
