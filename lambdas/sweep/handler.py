"""Sweep Lambda (EventBridge schedules, ``{"task": "reconcile" | "freshness"}``).

reconcile: ingest what no event announced (the receiver's work, done here; the landing copy's
own S3 event then drives the validator), land claims a crashed receiver never copied, and
re-run validations a crash left unfinished.
freshness: alert each zone whose datasets are older than their contract's freshness SLA.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from lake.ingest.big_files import dispatch
from lake.ingest.receiver import receive, resume
from lake.ingest.sweep import stale_claims, stale_landing, unseen_objects
from lake.runtime.context import Context
from lake.runtime.events import ObjectRef
from lake.runtime.ingest import current_context

logger = Logger(service="sweep")
metrics = Metrics(namespace="InsightLake", service="sweep")


def reconcile(ctx: Context) -> dict[str, int]:
    received = 0
    for obj in list(unseen_objects(ctx)):
        rec = receive(ctx, ObjectRef(obj.bucket, obj.key, obj.size, obj.etag, obj.version_id))
        if rec is not None:
            received += 1
            logger.warning("ingress object had not been ingested", extra={"key": obj.key, "ingest_id": rec.ingest_id})
    claims = stale_claims(ctx)
    for rec in claims:  # claimed, never landed: the receiver died between ledger and copy
        resume(ctx, rec)
    stale = stale_landing(ctx)
    for bucket, key, size in stale:
        dispatch(ctx, bucket, key, size)
    metrics.add_metric(name="SweepResumed", unit=MetricUnit.Count, value=len(claims))
    metrics.add_metric(name="SweepReceived", unit=MetricUnit.Count, value=received)
    metrics.add_metric(name="SweepRevalidated", unit=MetricUnit.Count, value=len(stale))
    return {"received": received, "resumed": len(claims), "revalidated": len(stale)}


def freshness(ctx: Context) -> dict[str, int]:
    from lake.status import status

    stale = [s for s in status(ctx) if s["health"] == "stale"]
    for s in stale:
        zone = s["table"].split("_ods.")[0]
        ctx.alert_zone(zone, "warning", f"{s['table']} is stale: last load {s['last_load']}",
                       f"The contract promises data every {s['freshness_sla_hours']} h.", table=s["table"])
    metrics.add_metric(name="StaleDatasets", unit=MetricUnit.Count, value=len(stale))
    return {"stale": len(stale)}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    task = str(event.get("task") or "reconcile").lower()
    if task not in ("reconcile", "freshness"):
        raise ValueError(f"unknown sweep task '{task}'")
    return (reconcile if task == "reconcile" else freshness)(current_context())
