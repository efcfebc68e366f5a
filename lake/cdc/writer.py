"""A batch of change lines -> one durable JSON-lines object in ingress, then its ingest.

Keys are deterministic: ``<zone>/<dataset>/cdc/<slot>/<first lsn>-<last lsn>.jsonl`` (16 hex
digits each, so names sort in lsn order). The changes between two positions of a slot never
change, so a batch resent after a crash lands on the same key with the same bytes: we see the
object is there and do not write it again, and the ledger (which keys an ingest by object
version) records at most a ``duplicate``. A resend cut at other boundaries is a new object
whose changes overlap an earlier one; promotion applies a change only if its lsn is newer than
the row's, so the overlap changes nothing.

Why ingress and the ordinary ingest path rather than staging: the receiver's byte-exact landing
copy, the validator's contract checks, PII treatment, quarantine and the ledger then apply to
CDC exactly as to any producer's file, and on AWS the object's "Object Created" event starts
the same handlers without this process.
"""

from __future__ import annotations

import json
from typing import Any

from lake.backends.storage import NotFound
from lake.runtime.context import Context
from lake.runtime.events import object_created


def batch_key(zone: str, dataset: str, slot: str, first: int, last: int, kind: str = "") -> str:
    return f"{zone}/{dataset}/cdc/{slot}/{kind}{first:016X}-{last:016X}.jsonl"


def marker_key(zone: str, dataset: str, slot: str, name: str) -> str:
    """Our own bookkeeping beside the batches; a leading dot keeps it out of every ingest."""
    return f"{zone}/{dataset}/cdc/{slot}/.{name}.json"


def encode(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n" for x in lines).encode()


def write_durably(ctx: Context, key: str, data: bytes, replace: bool = False) -> bool:
    """Put the object unless it is already there (or ``replace``); return whether we wrote it.

    The storage's put is durable when it returns (locally: temp file, fsync, rename, fsync of the
    folders; on S3 a successful PUT), so acknowledging the slot after it cannot lose the batch.
    """
    bucket = ctx.buckets.ingress
    if not replace:
        try:
            ctx.storage.head(bucket, key)
            return False  # same key, same changes: written before a crash, not acknowledged then
        except NotFound:
            pass
    ctx.storage.put_bytes(bucket, key, data)
    return True


def ingest(ctx: Context, key: str) -> list:
    """Run the receiver and validator on the object, as ``lake drop`` does; [] when already ingested.

    On AWS nothing to do: the bucket's event starts them (``listeners`` is the local stand-in)."""
    from lake.local.ingest import deliver

    bucket = ctx.buckets.ingress
    if getattr(ctx.storage, "listeners", None) is None:
        return []
    info = ctx.storage.head(bucket, key)
    if ctx.ledger.seen(bucket, key):
        return []  # ingested before a crash; a stale claim is the sweep's to finish
    deliver(ctx, [object_created(bucket, key, info.size, info.etag, info.version_id)])
    return [r for r in ctx.ledger.records(key.split("/", 1)[0]) if r.source_bucket == bucket and r.source_key == key]
