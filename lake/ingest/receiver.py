"""The receiver: route an ingress object, claim it in the ledger, make the byte-exact landing copy.

Claim before copy: the ledger's conditional write is what makes a repeated event (or a
repeated drop of unchanged bytes) a recorded ``duplicate`` instead of a second ingest.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from lake.backends.ledger import IngestRecord, new_ingest_id, now
from lake.backends.storage import NotFound
from lake.ingest import report
from lake.ingest.routing import Route, landing_key, quarantine_key, route
from lake.runtime.context import Context
from lake.runtime.events import ObjectRef

log = logging.getLogger(__name__)


def _arrival(ref: ObjectRef) -> str:
    """The event's time in the ledger's format (comparable as text), else now."""
    if ref.time:
        try:
            at = datetime.fromisoformat(ref.time.replace("Z", "+00:00"))
            return at.astimezone(UTC).isoformat(timespec="milliseconds")
        except ValueError:
            pass
    return now()


def _resolve(ctx: Context, ref: ObjectRef) -> ObjectRef | None:
    """Fill size and version from the object itself when the event lacks them (the sweep), and pick
    the key that exists when the event's key was URL-encoded (S3 notifications encode, "a+b" may be
    "a b" or "a+b" itself)."""
    if ref.size is not None and ref.version and ref.raw_key in (None, ref.key):
        return ref  # nothing to look up, and no doubt about the key's encoding
    for key in dict.fromkeys([ref.key, ref.raw_key or ref.key]):  # decoded first, then as found
        try:
            info = ctx.storage.head(ref.bucket, key)
        except NotFound:
            continue
        return ObjectRef(ref.bucket, key, ref.size if ref.size is not None else info.size,
                         ref.etag or info.etag, ref.version_id or info.version_id, ref.time, ref.raw_key)
    return None


def receive(ctx: Context, ref: ObjectRef) -> IngestRecord | None:
    """Ingest one ingress object version up to landing; None when ignored or already gone."""
    r = route(ctx.cfg, ref.key)
    if r is None:
        log.info("ignored %s (hidden file or folder marker)", ref.key)
        return None
    resolved = _resolve(ctx, ref)
    if resolved is None:
        log.warning("%s/%s no longer exists; nothing to ingest", ref.bucket, ref.key)
        return None
    ref = resolved
    rec = IngestRecord(
        ingest_id=new_ingest_id(), zone=r.zone, dataset=r.dataset.name if r.dataset else None,
        source_bucket=ref.bucket, source_key=ref.key, version=str(ref.version), sha256="",
        size=int(ref.size or 0), arrived_at=_arrival(ref))
    claimed = ctx.ledger.claim(rec)
    if claimed.outcome == "duplicate":
        log.info("duplicate of %s: %s", claimed.duplicate_of, ref.key)
        return claimed
    return _land(ctx, rec, r, ref.version_id)


def _land(ctx: Context, rec: IngestRecord, r: Route, version_id: str | None) -> IngestRecord:
    """Copy exactly the claimed version (S3 may hold a newer one by now) to landing or quarantine."""
    day = rec.arrived_at[:10]
    meta = {"source-bucket": rec.source_bucket, "source-key": rec.source_key, "source-version": rec.version,
            "size": str(rec.size), "arrived-at": rec.arrived_at, "ingest-id": rec.ingest_id}
    if not r.routable:
        qkey = quarantine_key(None, None, day, rec.ingest_id, r.filename)
        sha = ctx.storage.copy_hashing(rec.source_bucket, rec.source_key, ctx.buckets.landing, qkey, meta, version_id)
        rec.sha256, rec.quarantine_key = sha, qkey
        rep = report.build(rec, "quarantined", f"unroutable: {r.reason}", {"rows_read": 0, "rows_staged": 0,
                           "rows_quarantined": 0}, [], {}, [], {"quarantined_file": qkey})
        ctx.storage.put_bytes(ctx.buckets.landing, qkey + ".report.json", report.dumps(rep))
        ctx.ledger.complete(rec.ingest_id, outcome="quarantined", reason=f"unroutable: {r.reason}",
                            sha256=sha, quarantine_key=qkey)
        ctx.alert_zone(r.zone or "platform", "error", f"unroutable file {rec.source_key} quarantined",
                       f"{r.reason}. Drop files at <zone>/<dataset>/<file>.", ingest_id=rec.ingest_id,
                       report=qkey + ".report.json")
        return ctx.ledger.get(rec.ingest_id) or rec
    assert r.zone and r.dataset
    lkey = landing_key(r.zone, r.dataset.name, day, rec.ingest_id, r.filename)
    sha = ctx.storage.copy_hashing(rec.source_bucket, rec.source_key, ctx.buckets.landing, lkey, meta, version_id)
    ctx.ledger.complete(rec.ingest_id, landing_key=lkey, sha256=sha, completed_at=None)
    return ctx.ledger.get(rec.ingest_id) or rec


def resume(ctx: Context, rec: IngestRecord) -> IngestRecord:
    """Finish a claim whose landing copy never happened (the receiver died between the two)."""
    r = route(ctx.cfg, rec.source_key)
    if r is None:  # the routing rules changed since: nothing to land, but the record must end
        ctx.ledger.complete(rec.ingest_id, outcome="ignored", reason="ignored by the current routing rules")
        return ctx.ledger.get(rec.ingest_id) or rec
    info = ctx.storage.head(rec.source_bucket, rec.source_key)
    # In a versioned bucket the ledger's version is a version id: copy exactly that one.
    return _land(ctx, rec, r, rec.version if info.version_id else None)
