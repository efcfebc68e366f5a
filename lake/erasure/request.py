"""An erasure request: the one place the subject's value is written down, and only while it runs.

The request is a JSON object ``{"request_id", "subject", "value", "requested_at"}`` stored at
``_erasure/requests/<request_id>.json`` in the landing bucket, so the value never appears in
job arguments, Step Functions history or logs: the Glue job ``erase`` gets ``--request_id`` and
``--request_key``, reads the request, and deletes it when the erasure is complete. Until then
it also records which tables the erasure has begun to change (``changed``), so a retry after
a crash finishes their history too.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from lake.backends.ledger import now
from lake.backends.storage import NotFound

PREFIX = "_erasure/requests/"


@dataclass
class ErasureRequest:
    request_id: str
    subject: str  # the subject kind, e.g. person_email
    value: str
    requested_at: str = field(default_factory=now)
    changed: list[str] = field(default_factory=list)  # tables whose rows this request began to delete

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.request_id}.json"

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ErasureRequest:
        doc: dict[str, Any] = json.loads(data)
        missing = {"request_id", "subject", "value"} - doc.keys()
        if missing:
            raise ValueError(f"erasure request lacks {sorted(missing)}")
        return cls(str(doc["request_id"]), str(doc["subject"]), str(doc["value"]),
                   str(doc.get("requested_at") or now()), list(doc.get("changed") or []))


def new_request_id() -> str:
    return "erase-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def save(ctx: Any, request: ErasureRequest) -> str:
    ctx.storage.put_bytes(ctx.buckets.landing, request.key, request.to_json())
    ctx.storage.purge_old_versions(ctx.buckets.landing, request.key)  # no older copy keeps the value either
    return request.key


def load(ctx: Any, key: str, request_id: str | None = None) -> ErasureRequest:
    try:
        with ctx.storage.open(ctx.buckets.landing, key) as f:
            request = ErasureRequest.from_json(f.read())
    except NotFound as err:
        raise ValueError(f"no erasure request at {ctx.buckets.landing}/{key} (done already, or never written)") from err
    if request_id is not None and request.request_id != request_id:
        raise ValueError(f"{key} holds request {request.request_id}, not {request_id}")
    return request


def delete(ctx: Any, key: str) -> None:
    ctx.storage.delete(ctx.buckets.landing, key)
    ctx.storage.purge_old_versions(ctx.buckets.landing, key)


def pending(ctx: Any) -> list[ErasureRequest]:
    """Requests not completed yet (a crashed run leaves its request for the retry)."""
    out = []
    for obj in ctx.storage.list(ctx.buckets.landing, PREFIX):
        try:
            out.append(load(ctx, obj.key))
        except ValueError:
            continue
    return out
