"""Sweep Lambda (EventBridge schedules, ``{"task": "reconcile" | "freshness"}``).

reconcile: the sweep task (``lake.tasks.sweep``, the same as ``lake ingest``): ingest what no event
announced (the landing copy's own S3 event then drives the validator), land claims a crashed
receiver never copied, and re-run validations a crash left unfinished.
freshness: alert each zone whose datasets are older than their contract's freshness SLA.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from lake.metrics import FRESHNESS_METRIC, NAMESPACE, freshness_dimensions
from lake.runtime.context import Context, current_context
from lake.runtime.runlog import task_run
from lake.tasks.sweep import reconcile as sweep_task

STALE_AFTER_SECONDS = 900  # a claim or validation unfinished this long is a crash's, not in flight
logger = Logger(service="sweep")
metrics = Metrics(namespace=NAMESPACE, service="sweep")


def reconcile(ctx: Context, stale_after_seconds: int = STALE_AFTER_SECONDS) -> dict[str, int]:
    swept = sweep_task(ctx, stale_after_seconds)
    logger.append_keys(run_id=swept.run_id)
    for rec in swept.received:
        logger.warning("ingress object had not been ingested",
                       extra={"key": rec.source_key, "ingest_id": rec.ingest_id})
    counts = swept.counts()
    metrics.add_metric(name="SweepResumed", unit=MetricUnit.Count, value=counts["resumed"])
    metrics.add_metric(name="SweepReceived", unit=MetricUnit.Count, value=counts["received"])
    metrics.add_metric(name="SweepRevalidated", unit=MetricUnit.Count, value=counts["revalidated"])
    return counts


def freshness(ctx: Context) -> dict[str, int]:
    from lake.status import check_freshness, status

    rows = status(ctx)
    stale = check_freshness(ctx, rows=rows)  # alerts each stale table once, until it is fresh again
    # Every run, fresh or not, one value per table with an SLA: its CloudWatch alarm (infra/constructs/
    # freshness_alarms.py) compares it with the SLA and reads a missing value as "not fresh".
    for s in rows:
        if s["freshness_sla_hours"] is not None and s["age_hours"] is not None:
            # One EMF document per table: its dimensions are its own (Metrics shares one set per flush).
            one = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, default_dimensions=freshness_dimensions(s["table"]))
            one.add_metric(name=FRESHNESS_METRIC, unit=MetricUnit.Count, value=s["age_hours"])
            one.flush_metrics()
    metrics.add_metric(name="StaleDatasets", unit=MetricUnit.Count, value=len(stale))
    return {"stale": len(stale)}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    task = str(event.get("task") or "reconcile").lower()
    if task not in ("reconcile", "freshness"):
        raise ValueError(f"unknown sweep task '{task}'")
    ctx = current_context()
    if task == "reconcile":
        # The sweep task records its own run; "stale_after_seconds" lets an operator re-drive at once.
        return reconcile(ctx, int(event.get("stale_after_seconds", STALE_AFTER_SECONDS)))
    with task_run(ctx, "freshness") as run:
        logger.append_keys(run_id=run.run_id)
        counts = freshness(ctx)
        run.rows_in = counts["stale"]
    return counts
