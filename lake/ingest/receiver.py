"""The receiver: route an ingress object, claim it in the ledger, make the byte-exact landing copy.

Claim before copy: the ledger's conditional write is what makes a repeated event (or a
repeated drop of unchanged bytes) a recorded ``duplicate`` instead of a second ingest.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from lake.backends.holder import owner
from lake.backends.ledger import MAX_ATTEMPTS, IngestRecord, new_ingest_id, now
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
    target = ctx.storage.symlink(ref.bucket, ref.key)
    if target is not None:
        return _refuse_link(ctx, ref, r, target)
    resolved = _resolve(ctx, ref)
    if resolved is None:
        log.warning("%s/%s no longer exists; nothing to ingest", ref.bucket, ref.key)
        return None
    ref = resolved
    rec = IngestRecord(
        ingest_id=new_ingest_id(), zone=r.zone, dataset=r.dataset.name if r.dataset else None,
        source_bucket=ref.bucket, source_key=ref.key, version=str(ref.version), sha256="",
        size=int(ref.size or 0), arrived_at=_arrival(ref), lease_owner=owner())
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
    if version_id is None and _is_sha256(rec.version) and sha != rec.version:
        return _torn(ctx, rec, r, lkey, sha)
    first = ctx.ledger.claim_content(r.zone, r.dataset.name, sha, rec.ingest_id)
    if first != rec.ingest_id:
        return _same_content(ctx, rec, first, lkey, sha)
    ctx.ledger.complete(rec.ingest_id, landing_key=lkey, sha256=sha, completed_at=None)
    return ctx.ledger.get(rec.ingest_id) or rec


def _same_content(ctx: Context, rec: IngestRecord, first_id: str, lkey: str, sha: str) -> IngestRecord:
    """The same bytes as an earlier ingest of this dataset, under another name (or version): recorded as
    a duplicate of that ingest, never validated or promoted twice. The landing copy stays (landing keeps
    every object as it arrived); its validation event finds the ingest closed."""
    first = ctx.ledger.get(first_id)
    seen = f"{first.source_key}, {first.outcome}" if first else "no longer in the ledger"
    hint = f"; to validate it again after a contract fix, run `lake replay {first_id}`" if (
        first and first.outcome == "quarantined") else ""
    ctx.ledger.complete(rec.ingest_id, outcome="duplicate", duplicate_of=first_id, landing_key=lkey, sha256=sha,
                        reason=f"same content (sha256 {sha[:12]}...) as ingest {first_id} ({seen}){hint}")
    return ctx.ledger.get(rec.ingest_id) or rec


def _is_sha256(version: str) -> bool:
    return len(version) == 64 and all(c in "0123456789abcdef" for c in version)


def _quarantine_only(ctx: Context, rec: IngestRecord, r: Route, reason: str, qkey: str, detail: str,
                     **fields: object) -> IngestRecord:
    """Close an ingest as quarantined before validation: the report beside ``qkey``, the ledger, one alert."""
    rep = report.build(rec, "quarantined", reason, {"rows_read": 0, "rows_staged": 0, "rows_quarantined": 0},
                       [], {}, [], {"quarantined_file": fields.get("quarantine_key")})  # type: ignore[dict-item]
    ctx.storage.put_bytes(ctx.buckets.landing, qkey + ".report.json", report.dumps(rep))
    ctx.ledger.complete(rec.ingest_id, outcome="quarantined", reason=reason, **fields)
    ctx.alert_zone(r.zone or "platform", "error", f"{rec.source_key} quarantined: {reason}", detail,
                   ingest_id=rec.ingest_id, report=qkey + ".report.json")
    return ctx.ledger.get(rec.ingest_id) or rec


def _torn(ctx: Context, rec: IngestRecord, r: Route, lkey: str, sha: str) -> IngestRecord:
    """The bytes copied are not the version the event named: the producer rewrote the file while it
    was read. The torn copy goes to quarantine (never to validation); the version now in ingress is
    a new version, which the next sweep ingests on its own."""
    qkey = quarantine_key(r.zone, r.dataset.name if r.dataset else None, rec.arrived_at[:10], rec.ingest_id,
                          r.filename)
    ctx.storage.copy_hashing(ctx.buckets.landing, lkey, ctx.buckets.landing, qkey)
    ctx.storage.delete(ctx.buckets.landing, lkey)
    reason = (f"the file changed while it was being read (sha256 {sha[:12]}... read, {rec.version[:12]}... "
              "announced): write under a temporary name and rename when complete; the new version is ingested "
              "by the next `lake ingest`")
    return _quarantine_only(ctx, rec, r, reason, qkey, "Torn copy kept for inspection.", sha256=sha,
                            quarantine_key=qkey)


def _refuse_link(ctx: Context, ref: ObjectRef, r: Route, target: str) -> IngestRecord:
    """A symbolic link in ingress is never followed (it could expose any file on the machine); it is
    recorded as quarantined, with a report, once per link target."""
    version = "symlink:" + hashlib.sha256(target.encode()).hexdigest()
    rec = IngestRecord(ingest_id=new_ingest_id(), zone=r.zone, dataset=r.dataset.name if r.dataset else None,
                       source_bucket=ref.bucket, source_key=ref.key, version=version, sha256="", size=0,
                       arrived_at=_arrival(ref), lease_owner=owner())
    claimed = ctx.ledger.claim(rec)
    if claimed.outcome == "duplicate":
        return claimed
    qkey = quarantine_key(r.zone, r.dataset.name if r.dataset else None, rec.arrived_at[:10], rec.ingest_id,
                          r.filename)
    reason = ("a symbolic link, not a file: the lake does not follow links in ingress; copy the file itself "
              "into ingress (and remove the link)")
    return _quarantine_only(ctx, rec, r, reason, qkey, f"The link points at {target!r}; nothing was read.")


def resume(ctx: Context, rec: IngestRecord) -> IngestRecord:
    """Finish a claim whose landing copy never happened (the receiver died between the two)."""
    r = route(ctx.cfg, rec.source_key)
    if r is None:  # the routing rules changed since: nothing to land, but the record must end
        ctx.ledger.complete(rec.ingest_id, outcome="ignored", reason="ignored by the current routing rules")
        return ctx.ledger.get(rec.ingest_id) or rec
    try:
        info = ctx.storage.head(rec.source_bucket, rec.source_key)
        # In a versioned bucket the ledger's version is a version id: copy exactly that one.
        return _land(ctx, rec, r, rec.version if info.version_id else None)
    except Exception as err:  # noqa: BLE001 - recorded; one claim must not stop the sweep's others
        log.exception("landing %s failed", rec.source_key)
        attempts = rec.attempts + 1
        if attempts < MAX_ATTEMPTS:
            ctx.ledger.complete(rec.ingest_id, attempts=attempts, lease_owner=None, completed_at=None,
                                reason=f"landing attempt {attempts} failed: {type(err).__name__}: {err}"[:500])
        else:  # never stuck: what cannot be landed ends on the record, with its reason
            ctx.ledger.complete(rec.ingest_id, outcome="quarantined", attempts=attempts,
                                reason=f"could not be copied to landing in {attempts} attempts: "
                                       f"{type(err).__name__}: {err}"[:500])
        return ctx.ledger.get(rec.ingest_id) or rec
