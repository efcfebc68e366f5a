"""The local event flow: the CLI's stand-in for S3 -> EventBridge -> SQS -> the ingest Lambdas.

``drop_file`` puts a file into ingress and delivers, in order, what AWS would: the ingress
object's "Object Created" to the receive task, then each landing object's to the validate task
(``lake.tasks.ingest``, the tasks the Lambda handlers call). ``sweep`` runs the sweep task
(``lake.tasks.sweep``) and delivers the landing events it causes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lake.backends.ledger import IngestRecord
from lake.config.layout import QUARANTINE
from lake.runtime.context import Context, using
from lake.runtime.events import object_created, object_refs


@dataclass
class LambdaContext:
    """What Powertools reads from the Lambda context object, for local invocations."""

    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def _local_lambda_env() -> None:
    # Local runs are CLI runs: Powertools' JSON logs and EMF metrics would bury the CLI's output.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InsightLake")


def _records_for(ctx: Context, bucket: str, key: str) -> set[str]:
    return {r.ingest_id for r in ctx.ledger.records() if r.source_bucket == bucket and r.source_key == key}


def deliver(ctx: Context, events: list[dict[str, Any]], landed: list[dict[str, Any]] | None = None,
            before_validation: Callable[[], object] | None = None) -> None:
    """Run the receive task on these ingress events, then the validate task on the landing events they
    cause (plus ``landed``: landing events to deliver again), as the Lambdas would. ``before_validation``
    runs while landing writes are still being turned into events (the sweep)."""
    _local_lambda_env()
    from lake.tasks.ingest import receive_task, validate_task

    pending: list[dict[str, Any]] = list(landed or [])

    def on_created(bucket: str, key: str, size: int) -> None:
        # The EventBridge rule feeding the validator: landing bucket, anything but _quarantine/.
        if bucket == ctx.buckets.landing and not key.startswith(QUARANTINE + "/"):
            pending.append(object_created(bucket, key, size, etag=""))

    listeners = getattr(ctx.storage, "listeners", None)
    if listeners is None:
        raise NotImplementedError("the local event flow needs a storage that reports created objects")
    listeners.append(on_created)
    try:
        with using(ctx):
            for ref in (r for e in events for r in object_refs(e)):
                receive_task(ctx, ref)
            if before_validation is not None:
                before_validation()
            while pending:
                for ref in object_refs(pending.pop(0)):
                    validate_task(ctx, ref.bucket, ref.key, ref.size)
    finally:
        listeners.remove(on_created)


def drop_file(ctx: Context, path: Path, zone: str, dataset: str) -> list[IngestRecord]:
    """Put FILE into ingress at ``<zone>/<dataset>/<filename>`` and ingest it; the resulting ledger records."""
    key = f"{zone}/{dataset}/{Path(path).name}"
    bucket = ctx.buckets.ingress
    ctx.storage.put_file(bucket, key, Path(path))
    info = ctx.storage.head(bucket, key)
    before = _records_for(ctx, bucket, key)
    deliver(ctx, [object_created(bucket, key, info.size, info.etag, info.version_id)])
    new = _records_for(ctx, bucket, key) - before
    return [r for r in ctx.ledger.records() if r.ingest_id in new]


def sweep(ctx: Context, stale_after_seconds: int = 900) -> list[IngestRecord]:
    """Ingest every ingress object version the ledger has not seen, and finish what a crash left
    (claims never landed, validations never completed) once older than ``stale_after_seconds``:
    the sweep task (``lake.tasks.sweep``), with the landing events it causes delivered here."""
    from lake.tasks.sweep import Swept, reconcile

    before = {r.ingest_id for r in ctx.ledger.records()}
    swept: list[Swept] = []
    deliver(ctx, [], before_validation=lambda: swept.append(reconcile(ctx, stale_after_seconds)))
    redo = {r.ingest_id for r in swept[0].resumed + swept[0].revalidated}
    return [r for r in ctx.ledger.records() if r.ingest_id not in before or r.ingest_id in redo]
