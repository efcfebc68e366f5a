"""S3 "Object Created" events, as AWS delivers them: S3 -> EventBridge -> SQS -> Lambda.

Locally the runtime builds the very same JSON and hands it to the same handlers, so the
handlers cannot tell (and need not care) whether AWS or the CLI invoked them. ``object_refs``
reads every shape we may be given: an SQS record whose body is an EventBridge event (the
deployed path), a bare EventBridge event, or a classic S3 notification (``Records[].s3``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

ACCOUNT, REGION = "000000000000", "local"


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str  # decoded
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    time: str | None = None
    raw_key: str | None = None  # as found in the event (S3 URL-encodes keys in notifications)

    @property
    def version(self) -> str | None:
        """The identity of this object version: S3 version id when versioned, else the ETag."""
        return self.version_id or self.etag


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_created(bucket: str, key: str, size: int, etag: str, version_id: str | None = None,
                   time: str | None = None) -> dict[str, Any]:
    """An EventBridge "Object Created" event from S3 (the key URL-encoded as S3 does)."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "etag": etag,
                           "sequencer": f"{int(datetime.now(UTC).timestamp() * 1e6):016X}"}
    if version_id:
        obj["version-id"] = version_id
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Object Created", "source": "aws.s3",
        "account": ACCOUNT, "time": time or _now(), "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {"version": "0", "bucket": {"name": bucket}, "object": obj,
                   "request-id": uuid.uuid4().hex[:16].upper(), "requester": ACCOUNT,
                   "source-ip-address": "127.0.0.1", "reason": "PutObject"},
    }


def sqs_event(*bodies: dict[str, Any], queue: str = "ingest") -> dict[str, Any]:
    """Wrap EventBridge events as one SQS batch, as the Lambda event source mapping delivers them."""
    records = []
    for body in bodies:
        text = json.dumps(body)
        records.append({
            "messageId": str(uuid.uuid4()), "receiptHandle": uuid.uuid4().hex, "body": text,
            "attributes": {"ApproximateReceiveCount": "1",
                           "SentTimestamp": str(int(datetime.now(UTC).timestamp() * 1000)),
                           "SenderId": ACCOUNT, "ApproximateFirstReceiveTimestamp": "0"},
            "messageAttributes": {}, "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 (SQS's own checksum)
            "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}", "awsRegion": REGION,
        })
    return {"Records": records}


def object_refs(event: dict[str, Any]) -> list[ObjectRef]:
    """Every object an event speaks of; unknown shapes yield nothing (the caller logs them)."""
    if event.get("eventSource") == "aws:sqs" or ("body" in event and "receiptHandle" in event):
        return object_refs(json.loads(event["body"]))
    if "Records" in event:
        return [ref for r in event["Records"] for ref in object_refs(r)]
    if event.get("source") == "aws.s3" and "detail" in event:
        d = event["detail"]
        if event.get("detail-type") != "Object Created":
            return []
        o = d["object"]
        return [ObjectRef(d["bucket"]["name"], unquote_plus(o["key"]), o.get("size"), o.get("etag"),
                          o.get("version-id"), event.get("time"), o["key"])]
    if "s3" in event and str(event.get("eventName", "")).startswith("ObjectCreated"):
        s3 = event["s3"]
        o = s3["object"]
        return [ObjectRef(s3["bucket"]["name"], unquote_plus(o["key"]), o.get("size"), o.get("eTag"),
                          o.get("versionId"), event.get("eventTime"), o["key"])]
    return []
