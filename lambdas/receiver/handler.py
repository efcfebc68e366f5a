"""Receiver Lambda: ingress "Object Created" (S3 -> EventBridge -> SQS) -> landing copy + ledger claim.

Thin on purpose: parse the event, log with the ingest id, count outcomes; the logic (and the run record) is
``lake.tasks.ingest.receive_task``. SQS partial batch failures let one bad message retry alone.
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

from lake.runtime.context import current_context
from lake.runtime.events import object_refs
from lake.tasks.ingest import receive_task

logger = Logger(service="receiver")
metrics = Metrics(namespace="InsightLake", service="receiver")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    refs = object_refs(record.raw_event)
    if not refs:
        logger.warning("not an S3 Object Created event; skipped", extra={"body": record.body[:500]})
    for ref in refs:
        rec = receive_task(current_context(), ref)
        if rec is None:
            metrics.add_metric(name="ObjectsIgnored", unit=MetricUnit.Count, value=1)
            continue
        logger.append_keys(ingest_id=rec.ingest_id, zone=rec.zone, dataset=rec.dataset)
        logger.info("received", extra={"key": ref.key, "outcome": rec.outcome, "landing_key": rec.landing_key})
        metrics.add_metric(name=f"Objects_{rec.outcome}", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
