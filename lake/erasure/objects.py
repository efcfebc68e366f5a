"""Erasure in the raw layers, through ``ctx.storage`` (folders locally, S3 on AWS).

Ingress objects, landing copies, quarantined files with their rejected rows and reports: each is
rewritten in place without the subject's rows, and its old bytes are gone (S3: every older
version deleted). The ledger learns what each object now is — the rewritten ingress version
counts as seen, so the reconcile sweep does not ingest it again, and the ingest stays promoted,
so ``lake run`` does not promote it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from lake.backends.ledger import IngestRecord
from lake.backends.storage import ObjectInfo, sha256_file
from lake.erasure.names import redact_names
from lake.erasure.raw import Layout, Rewrite, RowTest, might_hold, rewrite, scratch
from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.ingest.routing import QUARANTINE, UNROUTABLE, ignored, parse_landing_key, route
from lake.runtime.context import Context


@dataclass
class Rewritten:
    rows: Rewrite
    old: ObjectInfo  # the object as it was (its version, for the ledger)
    new: ObjectInfo
    sha256: str


def rewrite_object(ctx: Context, bucket: str, key: str, layout: Layout, subject: Subject, drop: RowTest | None = None,
                   before_put: Callable[[ObjectInfo, str], None] | None = None) -> Rewritten | None:
    """Rewrite one object without the subject's rows; None when it held none. ``before_put`` learns the
    object as it was and the new bytes' sha256 before they are written (and their event is emitted)."""
    with scratch() as work:
        with ctx.storage.readable(bucket, key) as src:
            if drop is None and not might_hold(src, layout, subject):
                return None
            out = work / "object"
            res = rewrite(src, out, layout, subject, drop=drop)
        if not res.removed and not res.redacted:
            return None
        sha = sha256_file(out)
        old = ctx.storage.head(bucket, key)
        meta = dict(old.metadata)
        if "sha256" in meta:  # the landing copy's provenance names its bytes
            meta["sha256"] = sha
        if before_put is not None:
            before_put(old, sha)
        ctx.storage.put_file(bucket, key, out, metadata=meta or None)
    ctx.storage.purge_old_versions(bucket, key)
    return Rewritten(res, old, ctx.storage.head(bucket, key), sha)


def _s3(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def erase_ingress(ctx: Context, subject: Subject, report: ErasureReport,
                  by_source: dict[tuple[str, str], list[IngestRecord]]) -> None:
    bucket = ctx.buckets.ingress
    for listed in list(ctx.storage.list(bucket)):
        # Hidden files (ignored by the flow) are rewritten too: a producer may have put anything in them.
        r = None if ignored(listed.key) else route(ctx.cfg, listed.key)
        layout = Layout.of(r.dataset if r else None, subject.kind.name, listed.key.rsplit("/", 1)[-1])
        recs = [rec for rec in by_source.get((bucket, listed.key), []) if rec.duplicate_of is None]

        def claim(old: ObjectInfo, sha: str, recs: list[IngestRecord] = recs) -> None:
            # S3 emits the new version's event at once, and the receiver may take it before the ledger
            # learns the version below: the new bytes are claimed first, so it records a duplicate.
            for rec in recs:
                if rec.zone and rec.dataset and rec.version == (old.version_id or old.etag):
                    ctx.ledger.claim_content(rec.zone, rec.dataset, sha, rec.ingest_id)

        done = rewrite_object(ctx, bucket, listed.key, layout, subject, before_put=claim)
        if done is None:
            continue
        report.add(r.zone if r else None, _s3(bucket, listed.key), "rewrote", done.rows.removed)
        old_version, new_version = done.old.version_id or done.old.etag, done.new.version_id or done.new.etag
        for rec in recs:
            if rec.version == old_version:
                ctx.ledger.erased(rec.ingest_id, report.request_id, version=new_version, size=done.new.size)


def erase_landing(ctx: Context, subject: Subject, report: ErasureReport) -> dict[str, list[int]]:
    """Landing copies; returns the row numbers removed per ingest id (their rejected rows go too)."""
    bucket, removed = ctx.buckets.landing, {}
    for listed in list(ctx.storage.list(bucket)):
        ref = parse_landing_key(listed.key)
        if ref is None:
            if not listed.key.startswith((QUARANTINE + "/", "_erasure/")):  # a stray key: whatever it holds
                erase_stray(ctx, subject, report, bucket, [listed.key])
            continue
        layout = Layout.of(ctx.cfg.dataset(ref.zone, ref.dataset), subject.kind.name, ref.filename)
        done = rewrite_object(ctx, bucket, listed.key, layout, subject)
        if done is None:
            continue
        removed[ref.ingest_id] = done.rows.removed_rows
        report.add(ref.zone, _s3(bucket, listed.key), "rewrote", done.rows.removed)
        rec = ctx.ledger.get(ref.ingest_id)
        if rec is not None:
            ctx.ledger.erased(ref.ingest_id, report.request_id, sha256=done.sha256, size=done.new.size,
                              rows_read=max(0, rec.rows_read - done.rows.removed))
    return removed


def recount(ctx: Context, request_id: str) -> None:
    """After staging: the ledger's counts describe the files as they now are (read = staged + quarantined)."""
    for rec in ctx.ledger.records():
        quarantined = max(0, rec.rows_read - rec.rows_staged)
        if rec.erased_by == request_id and rec.outcome in ("staged", "partial", "quarantined") \
                and rec.rows_quarantined != quarantined:
            ctx.ledger.erased(rec.ingest_id, request_id, rows_quarantined=quarantined)


def _quarantine_ref(key: str) -> tuple[str | None, str | None, str, str] | None:
    """(zone, dataset, ingest id, file name) of a quarantine key."""
    parts = key.split("/")
    if len(parts) == 5 and parts[1] == UNROUTABLE:
        return None, None, parts[3], parts[4]
    if len(parts) == 6:
        return parts[1], parts[2], parts[4], parts[5]
    return None


def _row_numbers(gone: set[str]) -> RowTest:
    """Rejected rows are numbered as in the landed file: drop those whose source row went."""
    return lambda row: row.get("_row_number") in gone


def erase_quarantine(ctx: Context, subject: Subject, report: ErasureReport, landed: dict[str, list[int]]) -> None:
    bucket = ctx.buckets.landing
    keys = [o.key for o in ctx.storage.list(bucket, QUARANTINE + "/")]
    removed: dict[str, list[int]] = dict(landed)
    reports = [k for k in keys if k.endswith(".report.json")]
    for key in [k for k in keys if not k.endswith(".report.json")]:
        ref = _quarantine_ref(key)
        if ref is None:
            continue
        zone, dataset, ingest_id, filename = ref
        ds = ctx.cfg.dataset(zone, dataset) if zone and dataset else None
        drop: RowTest | None = None
        if filename.endswith(".rejected.csv"):  # the validator's bad rows: plain CSV, contract column names
            layout = Layout("csv", Layout.of(ds, subject.kind.name, filename).subject_columns)
            gone = {str(n) for n in landed.get(ingest_id, [])}
            drop = _row_numbers(gone) if gone else None
        else:
            layout = Layout.of(ds, subject.kind.name, filename)
        done = rewrite_object(ctx, bucket, key, layout, subject, drop)
        if done is None:
            continue
        report.add(zone, _s3(bucket, key), "rewrote", done.rows.removed)
        if not filename.endswith(".rejected.csv"):
            removed.setdefault(ingest_id, []).extend(done.rows.removed_rows)
            rec = ctx.ledger.get(ingest_id)
            if rec is not None and rec.quarantine_key == key and not rec.landing_key:  # unroutable: its only copy
                ctx.ledger.erased(ingest_id, report.request_id, sha256=done.sha256, size=done.new.size)
    for key in reports:
        ref = _quarantine_ref(key)
        if ref is not None:
            _scrub_report(ctx, bucket, key, ref[0], subject, report, set(removed.get(ref[2], [])))


def _scrub_report(ctx: Context, bucket: str, key: str, zone: str | None, subject: Subject, report: ErasureReport,
                  rows: set[int]) -> None:
    """Quarantine reports quote bad values (even whole rows): drop the subject's, redact any mention."""
    with ctx.storage.open(bucket, key) as f:
        original = json.loads(f.read())
    errors = original.get("errors") or []
    doc = json.loads(redact_names(subject, json.dumps(original)))  # also the source key, if it names her
    doc["errors"] = [e for e, r in zip(errors, doc.get("errors") or [], strict=True)
                     if not (e.get("row") in rows or subject.equals(e.get("value"))
                             or subject.mentioned(str(e.get("value"))) or subject.mentioned(str(e.get("message"))))]
    rec = ctx.ledger.get(str(doc.get("ingest_id"))) if doc.get("ingest_id") else None
    if rec is not None and isinstance(doc.get("source"), dict) and rec.erased_by == report.request_id:
        doc["source"].update(version=rec.version, sha256=rec.sha256, size=rec.size)  # as the source now is
    if doc == original:
        return
    doc["erasures"] = [*doc.get("erasures", []), report.request_id]
    ctx.storage.put_bytes(bucket, key, (json.dumps(doc, indent=2, default=str) + "\n").encode())
    ctx.storage.purge_old_versions(bucket, key)
    report.add(zone, _s3(bucket, key), "redacted")


def index_by_source(ctx: Context) -> dict[tuple[str, str], list[IngestRecord]]:
    out: dict[tuple[str, str], list[IngestRecord]] = {}
    for rec in ctx.ledger.records():
        out.setdefault((rec.source_bucket, rec.source_key), []).append(rec)
    return out


def erase_stray(ctx: Context, subject: Subject, report: ErasureReport, bucket: str, keys: list[str]) -> None:
    """Objects the flow did not write (hidden files, copies): read as their names suggest."""
    for key in keys:
        layout = Layout.of(None, subject.kind.name, key.rsplit("/", 1)[-1].lstrip("."))
        done = rewrite_object(ctx, bucket, key, layout, subject)
        if done is not None:
            report.add(None, _s3(bucket, key), "rewrote", done.rows.removed)


def erase_raw(ctx: Context, subject: Subject, report: ErasureReport) -> None:
    erase_ingress(ctx, subject, report, index_by_source(ctx))
    landed = erase_landing(ctx, subject, report)
    erase_quarantine(ctx, subject, report, landed)

