"""Helpers of the failure drills: a twin of the synthesized assembly, a file put as a producer
would (or with its event lost), an event delivered twice, a poison message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lake.demo.samples import SampleFile, generate
from lake.twin import scenario
from lake.twin.twin import Twin


def sample(work: Path, dataset: str, name: str | None = None) -> SampleFile:
    return next(s for s in generate(work / "samples") if s.dataset == dataset and (name is None or s.path.name == name))


def queue_of(twin: Twin, handler_part: str) -> str:
    """The queue an event source mapping feeds to the function whose handler contains ``handler_part``."""
    for m in twin.poller.maps:
        if handler_part in twin.functions.spec(m.function).handler:
            return m.queue_url
    raise LookupError(handler_part)


def put_losing_the_event(twin: Twin, s: SampleFile) -> None:
    """The object lands in ingress, but S3 never emits its event (EventBridge lost it)."""
    from moto.s3.models import s3_backends

    bucket_name = scenario.deployment_setting(twin, "INGRESS_BUCKET")
    bucket = s3_backends[twin.assembly.account]["aws"].buckets[bucket_name]
    saved, bucket.notification_configuration = bucket.notification_configuration, None
    try:
        twin.client("s3", "producer").put_object(Bucket=bucket_name, Key=f"{s.zone}/{s.dataset}/{s.path.name}",
                                                 Body=s.path.read_bytes())
    finally:
        bucket.notification_configuration = saved


def take_messages(twin: Twin, queue_url: str) -> list[dict[str, Any]]:
    got = twin.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for m in got:
        twin.client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return got


def send(twin: Twin, queue_url: str, body: str | dict[str, Any]) -> None:
    twin.client("sqs", "events").send_message(QueueUrl=queue_url,
                                              MessageBody=body if isinstance(body, str) else json.dumps(body))


def ledger(twin: Twin) -> list[Any]:
    from lake.backends.dynamodb_ledger import DynamoDbLedger

    return DynamoDbLedger(scenario.deployment_setting(twin, "LEDGER_TABLE")).records()


def staged_keys(twin: Twin, prefix: str) -> list[str]:
    bucket = scenario.deployment_setting(twin, "STAGING_BUCKET")
    out = twin.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return [o["Key"] for o in out if o["Key"].endswith(".parquet")]
