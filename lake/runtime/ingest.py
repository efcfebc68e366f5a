"""The local event flow: the CLI's way into the same Lambda handlers AWS invokes.

``drop_file`` puts a file into ingress and delivers, in order, exactly the events AWS would:
the ingress object's "Object Created" (EventBridge, wrapped in an SQS record) to the receiver
handler, then each landing object's event to the validator handler. ``sweep`` does the same for
every ingress object the ledger has not seen. The handlers find the context through
``current_context`` — the one given here, or one built from the environment (``LAKE_HOME``,
``LAKE_BACKEND``) as on AWS.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lake.backends.ledger import IngestRecord
from lake.ingest.routing import QUARANTINE
from lake.runtime.context import Buckets, Context
from lake.runtime.events import object_created, object_refs

_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("lake_context", default=None)


@lru_cache(maxsize=4)
def _from_env(backend: str, home: str | None, config: str | None) -> Context:
    if backend == "local":
        return Context.local(home, config)
    if backend != "aws":
        raise ValueError(f"LAKE_BACKEND={backend}: expected 'local' or 'aws'")
    from lake.backends.dynamodb_ledger import DynamoDbLedger
    from lake.backends.storage import S3Storage

    # /tmp is a Lambda's only writable folder (the alerts log when no topic is set, records when no table is).
    base = Context.local(home or "/tmp/lake", config)
    alerts, records = base.alerts, base.records
    if os.environ.get("ALERT_TOPIC_ARN_PATTERN"):  # the zone topics the pipeline stack wires in
        from lake.backends.aws_alerts import SnsAlerts

        alerts = SnsAlerts.from_env(set(base.cfg.zones))
    if os.environ.get("RECORDS_TABLE"):  # platform records outlive the run (runs, approvals, open alerts)
        from lake.backends.dynamodb_records import DynamoDbRecords

        records = DynamoDbRecords(os.environ["RECORDS_TABLE"], zones=base.cfg.zones)
    return dataclasses.replace(base, storage=S3Storage(), ledger=DynamoDbLedger(os.environ["LEDGER_TABLE"]),
                               alerts=alerts, records=records, buckets=Buckets.from_env())


def context_from_env(home: str | None = None, config: str | None = None) -> Context:
    """The context a handler runs with when nobody gave it one (AWS, or a bare local invoke);
    ``home`` and ``config`` (the CLI's ``--home``/``--config``) win over the environment."""
    env = os.environ
    return _from_env(env.get("LAKE_BACKEND", "local"), home or env.get("LAKE_HOME"), config or env.get("LAKE_CONFIG"))


def current_context() -> Context:
    return _current.get() or context_from_env()


@contextmanager
def using(ctx: Context) -> Iterator[Context]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


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
