"""The reconcile sweep: what the ledger has not seen, and what it saw but never finished.

S3 events can be lost (or a user ``cp`` s straight into ``.lake/ingress``); the sweep lists the
bucket and compares object versions with the ledger. On AWS a scheduled Lambda runs it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

from lake.backends.ledger import IngestRecord
from lake.backends.storage import NotFound, ObjectInfo
from lake.ingest.routing import ignored
from lake.runtime.context import Context

log = logging.getLogger(__name__)


def unseen_objects(ctx: Context) -> Iterator[ObjectInfo]:
    bucket = ctx.buckets.ingress
    for listed in ctx.storage.list(bucket):
        if ignored(listed.key):
            continue
        target = ctx.storage.symlink(bucket, listed.key)
        if target is not None:  # never followed: the receiver records it as refused, once per target
            version = "symlink:" + hashlib.sha256(target.encode()).hexdigest()
            if version not in ctx.ledger.seen(bucket, listed.key):
                yield ObjectInfo(bucket, listed.key, 0, version)
            continue
        try:
            info = ctx.storage.head(bucket, listed.key)  # version id (S3) or content hash (local)
        except NotFound:
            continue  # gone since the listing
        except (OSError, ValueError):  # unreadable: logged, and it must not stop the others
            log.exception("ingress object %s cannot be read; skipped", listed.key)
            continue
        if (info.version_id or info.etag) not in ctx.ledger.seen(bucket, listed.key):
            yield info


def stale_claims(ctx: Context, older_than_seconds: int = 900) -> list[IngestRecord]:
    """Claims never copied to landing (a receiver that died after its ledger write)."""
    return [r for r in ctx.ledger.unfinished(older_than_seconds)
            if r.outcome == "received" and not r.landing_key and not r.quarantine_key]


def stale_landing(ctx: Context, older_than_seconds: int = 900) -> list[tuple[str, str, int]]:
    """Landed ingests whose validation never finished (crashed, timed out): (bucket, key, size)."""
    return [(ctx.buckets.landing, r.landing_key, r.size) for r in ctx.ledger.unfinished(older_than_seconds)
            if r.landing_key]
