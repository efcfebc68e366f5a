"""The validator: one landed file -> typed Parquet in staging, rows or file quarantined, ledger closed.

Idempotent: a landing event for an ingest that already has an outcome is a no-op, and the
ledger's lease (``start``) lets only one validator run per ingest at a time.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from lake.backends.ledger import MAX_ATTEMPTS, TERMINAL, IngestRecord
from lake.config import Dataset
from lake.ingest import duplicates, report
from lake.ingest.convert import Lineage, Result, convert
from lake.ingest.lease import Heartbeat, lease_seconds, owner
from lake.ingest.routing import parse_landing_key, quarantine_key, staging_key
from lake.runtime.context import Context

log = logging.getLogger(__name__)


def pending(ctx: Context, key: str) -> IngestRecord | None:
    """The ledger record a landing key belongs to, if it still needs validating."""
    ref = parse_landing_key(key)
    if ref is None:
        return None  # quarantine copies, reports and stray keys raise events too: not ours
    rec = ctx.ledger.get(ref.ingest_id)
    if rec is None:
        log.error("landing object %s has no ledger record; the sweep will re-ingest its source", key)
        return None
    return None if rec.outcome in TERMINAL else rec


def validate(ctx: Context, bucket: str, key: str, runner: str = "lambda") -> IngestRecord | None:
    rec = pending(ctx, key)
    if rec is None:
        ref = parse_landing_key(key)
        return ctx.ledger.get(ref.ingest_id) if ref else None
    holder, lease = owner(), lease_seconds()
    if not ctx.ledger.start(rec.ingest_id, runner, lease, holder=holder):
        log.info("ingest %s is being validated elsewhere", rec.ingest_id)
        return ctx.ledger.get(rec.ingest_id)
    rec = ctx.ledger.get(rec.ingest_id) or rec
    if rec.attempts > MAX_ATTEMPTS:  # never stuck: a file no validation can finish ends quarantined
        reason = (f"validation did not finish in {MAX_ATTEMPTS} attempts (last: {rec.reason or 'the process died'}); "
                  "the file is kept here, send it again or ask the platform team")
        return _finish_file_quarantine(ctx, rec, bucket, key, reason, Result())
    ds = ctx.cfg.dataset(rec.zone or "", rec.dataset or "")
    if ds is None:  # the contract was removed between landing and validation
        reason = f"dataset {rec.zone}/{rec.dataset} no longer exists"
        return _finish_file_quarantine(ctx, rec, bucket, key, reason, Result())
    try:
        with Heartbeat(ctx.ledger, rec.ingest_id, holder, lease), ctx.storage.readable(bucket, key) as path:
            return _validate_file(ctx, rec, ds, bucket, key, path)
    except BaseException as err:  # SIGTERM (SystemExit) and Ctrl-C too
        # Give the lease back, so the retry of this message (SQS, the next `lake ingest`) can run at once.
        failed = f"attempt {rec.attempts} failed: {type(err).__name__}: {err}"[:500]
        ctx.ledger.complete(rec.ingest_id, outcome="received", started_at=None, renewed_at=None, lease_owner=None,
                            completed_at=None, reason=failed)
        raise


def decide(res: Result, ds: Dataset, dups: duplicates.Duplicates | None = None) -> tuple[str, str | None]:
    """The outcome of a file from its counts and the contract's bad-row and duplicate-key policies."""
    if res.file_reason:
        return "quarantined", res.file_reason
    if dups and dups.keys and ds.options.duplicate_keys == "quarantine":
        return "quarantined", f"{dups.describe()} (contract: duplicateKeys quarantine)"
    bad, read = res.rows_quarantined, res.rows_read
    if bad == 0:
        return "staged", None
    opts = ds.options
    if opts.on_bad_rows == "reject_file":
        return "quarantined", f"{bad} of {read} rows are bad and the contract rejects files with any bad row"
    if bad > opts.max_bad_row_ratio * read:
        return "quarantined", (f"{bad} of {read} rows are bad ({bad / read:.1%}), above the contract's "
                               f"maximum of {opts.max_bad_row_ratio:.1%}")
    return "partial", f"{bad} of {read} rows quarantined"


def _validate_file(ctx: Context, rec: IngestRecord, ds: Dataset, bucket: str, key: str, path: Path) -> IngestRecord:
    ref = parse_landing_key(key)
    assert ref is not None
    lineage = Lineage(rec.ingest_id, rec.source_key, datetime.now(UTC))
    skey = staging_key(ref.zone, ref.dataset, ref.ingest_date, ref.ingest_id)
    qbase = quarantine_key(ref.zone, ref.dataset, ref.ingest_date, ref.ingest_id, ref.filename)
    with tempfile.TemporaryDirectory(prefix="lake-validate-") as work, \
            ctx.storage.writer(ctx.buckets.staging, skey) as staged:
        rejected = Path(work) / "rejected.csv"
        res = convert(path, ds, lineage, staged, rejected, sha256=rec.sha256 or None)
        dups = duplicates.Duplicates() if res.file_reason else duplicates.find(staged, ds, res.key_hashes)
        if dups.keys:
            res.details["duplicate_keys"] = dups.as_report(ds.options.duplicate_keys)
            if ds.options.duplicate_keys == "latest":
                res.warnings.append(f"{dups.describe()}; the latest row of each key wins "
                                    f"(report: {qbase}.report.json)")
        outcome, reason = decide(res, ds, dups)
        if outcome == "quarantined":
            staged.unlink(missing_ok=True)  # abandon: nothing of a rejected file reaches staging
        if res.rejected_written:
            ctx.storage.put_file(ctx.buckets.landing, qbase + ".rejected.csv", rejected)
    if outcome == "quarantined":
        return _finish_file_quarantine(ctx, rec, bucket, key, reason or "", res, qbase)
    fields = dict(outcome=outcome, reason=reason, staged_key=skey, rows_read=res.rows_read,
                  rows_staged=res.rows_staged, rows_quarantined=res.rows_quarantined, warnings=res.warnings,
                  columns=carried(res, ds))
    if outcome == "staged" and res.details:  # staged, but the checks found something a steward should see
        _report(ctx, rec, qbase, outcome, reason, res, {"staged": skey})
    if outcome == "partial":
        fields["quarantine_key"] = qbase + ".rejected.csv"
        _report(ctx, rec, qbase, outcome, reason, res, {"rejected_rows": qbase + ".rejected.csv", "staged": skey})
        ctx.alert_zone(rec.zone or "platform", "warning", f"{rec.source_key}: {res.rows_quarantined} rows quarantined",
                       f"{reason}. Reasons per row in {qbase}.report.json", ingest_id=rec.ingest_id)
    ctx.ledger.complete(rec.ingest_id, **fields)
    return ctx.ledger.get(rec.ingest_id) or rec


def carried(res: Result, ds: Dataset) -> list[str]:
    """The contract columns the promotion may update for this file: those it carried, or all of them
    when the contract says an absent column means null (``absentColumns: set_null``)."""
    if ds.options.absent_columns == "set_null":
        return [c.name for c in ds.columns]
    return [c.name for c in ds.columns if c.name in res.present]


def _report(ctx: Context, rec: IngestRecord, qbase: str, outcome: str, reason: str | None, res: Result,
            artefacts: dict[str, str | None]) -> None:
    rows = {"rows_read": res.rows_read, "rows_staged": res.rows_staged if outcome != "quarantined" else 0,
            "rows_quarantined": res.rows_quarantined if outcome != "quarantined" else res.rows_read}
    body = report.build(rec, outcome, reason, rows, res.samples, dict(res.counts), res.warnings, artefacts,
                        res.details)
    ctx.storage.put_bytes(ctx.buckets.landing, qbase + ".report.json", report.dumps(body))


def _finish_file_quarantine(ctx: Context, rec: IngestRecord, bucket: str, key: str, reason: str, res: Result,
                            qbase: str | None = None) -> IngestRecord:
    ref = parse_landing_key(key)
    assert ref is not None
    qbase = qbase or quarantine_key(ref.zone, ref.dataset, ref.ingest_date, ref.ingest_id, ref.filename)
    ctx.storage.copy_hashing(bucket, key, ctx.buckets.landing, qbase)  # byte-exact, as landed
    artefacts = {"quarantined_file": qbase, "rejected_rows": qbase + ".rejected.csv" if res.rejected_written else None}
    _report(ctx, rec, qbase, "quarantined", reason, res, artefacts)
    ctx.ledger.complete(rec.ingest_id, outcome="quarantined", reason=reason, quarantine_key=qbase,
                        rows_read=res.rows_read, rows_staged=0, rows_quarantined=res.rows_read,
                        warnings=res.warnings, staged_key=None)
    ctx.alert_zone(rec.zone or "platform", "error", f"{rec.source_key} quarantined: {reason}",
                   f"The file and {qbase.rsplit('/', 1)[-1]}.report.json are in the landing bucket at {qbase}",
                   ingest_id=rec.ingest_id)
    return ctx.ledger.get(rec.ingest_id) or rec
