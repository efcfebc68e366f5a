"""Sweep Lambda (EventBridge schedule): ingest what no event announced, finish what a crash left.

The receiver's work is done here directly (the landing copy's own S3 event then drives the
validator as usual); stuck validations are re-run in place, under the ledger's lease.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from lake.ingest.big_files import dispatch
from lake.ingest.receiver import receive
from lake.ingest.sweep import stale_landing, unseen_objects
from lake.runtime.events import ObjectRef
from lake.runtime.ingest import current_context

logger = Logger(service="sweep")
metrics = Metrics(namespace="InsightLake", service="sweep")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    ctx = current_context()
    received = 0
    for obj in list(unseen_objects(ctx)):
        rec = receive(ctx, ObjectRef(obj.bucket, obj.key, obj.size, obj.etag, obj.version_id))
        if rec is not None:
            received += 1
            logger.warning("ingress object had not been ingested", extra={"key": obj.key, "ingest_id": rec.ingest_id})
    stale = stale_landing(ctx)
    for bucket, key, size in stale:
        dispatch(ctx, bucket, key, size)
    metrics.add_metric(name="SweepReceived", unit=MetricUnit.Count, value=received)
    metrics.add_metric(name="SweepRevalidated", unit=MetricUnit.Count, value=len(stale))
    return {"received": received, "revalidated": len(stale)}
