"""The ingest tasks as recorded runs: receive (ingress -> landing) and validate (landing -> staging).

The receiver and validator Lambdas, the big-file Glue job, the sweep and the local event flow all
call these, so every ingress object leaves the same ``platform.runs`` rows, catalog partitions and
recoveries wherever it was ingested.
"""

from __future__ import annotations

from collections.abc import Callable

from lake.backends.alerts import recover
from lake.backends.ledger import IngestRecord, now, open_quarantine
from lake.ingest.big_files import dispatch
from lake.ingest.catalog import register_staged
from lake.ingest.receiver import receive
from lake.ingest.routing import parse_landing_key
from lake.ingest.validator import validate
from lake.runtime.context import Context
from lake.runtime.events import ObjectRef
from lake.runtime.runlog import task_run


def receive_task(ctx: Context, ref: ObjectRef) -> IngestRecord | None:
    """Land one ingress object version (a ``receiver`` run); None when the object is not the lake's."""
    with task_run(ctx, "receiver", inputs=[f"s3://{ref.bucket}/{ref.key}"]) as run:
        rec = receive(ctx, ref)
        if rec is None:
            run.status = "skipped"
            return None
        run.zone, run.parent_run_id = rec.zone, rec.ingest_id
        run.table_name = f"{rec.zone}_landing.{rec.dataset}" if rec.zone and rec.dataset else None
        out_key = rec.landing_key or rec.quarantine_key
        run.outputs = [f"s3://{ctx.buckets.landing}/{out_key}"] if out_key else []
        if rec.outcome == "quarantined":
            run.status, run.error = "failed", rec.reason
        elif rec.outcome == "duplicate":
            run.status = "skipped"
    return rec


def validate_task(ctx: Context, bucket: str, key: str, size: int | None = None,
                  start_job: Callable[[str, str], str] | None = None, runner: str | None = None) -> IngestRecord | None:
    """Validate one landed file (a ``validator`` run): staged Parquet registered in the catalog, or
    quarantine. ``runner="glue"`` validates here whatever the size (the big-file job); otherwise a file
    too big for a Lambda is handed to that job (None: the job records its own run)."""
    landing = parse_landing_key(key)
    if landing is None:
        return None  # quarantine artefacts and stray keys: not ours to validate
    with task_run(ctx, "validator", zone=landing.zone, table_name=f"{landing.zone}_staging.{landing.dataset}",
                  parent_run_id=landing.ingest_id, inputs=[f"s3://{bucket}/{key}"]) as run:
        rec = (validate(ctx, bucket, key, runner=runner) if runner else
               dispatch(ctx, bucket, key, int(size or 0), start_job=start_job))
        if rec is None:
            run.status = "skipped"  # handed to the Glue job, which records its own run
            return None
        register_staged(ctx, rec)
        run.rows_in, run.rows_out, run.rows_quarantined = rec.rows_read, rec.rows_staged, rec.rows_quarantined
        run.outputs = [f"s3://{b}/{k}" for b, k in ((ctx.buckets.staging, rec.staged_key),
                                                      (ctx.buckets.landing, rec.quarantine_key)) if k]
        if rec.outcome == "quarantined":
            run.status, run.error = "failed", rec.reason
        elif rec.outcome in ("staged", "partial"):
            resolved(ctx, landing.zone, landing.dataset, run.run_id, clean=rec.outcome == "staged")
        else:
            run.status = "skipped"  # already done, or another run holds the lease
    return rec


def resolved(ctx: Context, zone: str, dataset: str, run_id: str | None, clean: bool = False) -> None:
    """Close the dataset's quarantine alerts that are over. A clean file ends the "rows quarantined"
    warning; the "file quarantined" alert lasts while any quarantined file is unresolved (neither
    replayed successfully nor acknowledged): a later clean load of other data does not resolve it."""
    table = f"{zone}_ods.{dataset}"
    causes = ["rows quarantined"] if clean else []
    alerted = any(a["table_name"] == table and a["cause"] == "file quarantined"
                  for a in ctx.records.rows("open_alerts"))
    if alerted and not any(r.dataset == dataset and open_quarantine(r) for r in ctx.ledger.records(zone)):
        causes.append("file quarantined")
    if causes:
        recover(ctx, table, causes, run_id)


class ReplayRefused(Exception):
    """An ingest that cannot be replayed, with the reason a user can act on."""


def replay_task(ctx: Context, ingest_id: str,
                start_job: Callable[[str, str], str] | None = None) -> IngestRecord | None:
    """Validate a quarantined file again under the current contract (``lake replay``), from its landing
    copy (immutable, as it arrived). The ledger records it as a new attempt of the same ingest
    (``replays``, ``replayed_at``), never as a duplicate; the outcome replaces the quarantine's."""
    rec = ctx.ledger.get(ingest_id)
    if rec is None:
        raise ReplayRefused(f"no ingest {ingest_id} in the ledger")
    if rec.outcome != "quarantined":
        raise ReplayRefused(f"ingest {ingest_id} ({rec.source_key}) is {rec.outcome}: only quarantined files "
                            "are replayed")
    if not rec.landing_key:
        raise ReplayRefused(f"ingest {ingest_id} ({rec.source_key}) has no landing copy to validate (it was "
                            f"quarantined before landing: {rec.reason}); fix the cause and send the file again")
    try:
        ctx.storage.head(ctx.buckets.landing, rec.landing_key)
    except Exception as err:  # noqa: BLE001 - NotFound locally, ClientError on S3: either way nothing to read
        raise ReplayRefused(f"ingest {ingest_id}: its landing copy {rec.landing_key} is gone ({err})") from err
    if not ctx.ledger.reopen(ingest_id):
        raise ReplayRefused(f"ingest {ingest_id} is being replayed by someone else")
    done = validate_task(ctx, ctx.buckets.landing, rec.landing_key, rec.size, start_job=start_job)
    if done is not None and done.outcome in ("staged", "partial"):
        _warn_if_overtaken(ctx, done)
    return done


def _warn_if_overtaken(ctx: Context, rec: IngestRecord) -> None:
    """Without a ``latestWins`` column (or CDC), rows are ordered by ingest: a replayed file that arrived
    before files already in ODS would overwrite their newer values for the same keys. Say so."""
    ds = ctx.cfg.dataset(rec.zone or "", rec.dataset or "")
    if ds is None or ds.options.latest_wins or ds.options.cdc:
        return
    later = [r.ingest_id for r in ctx.ledger.records(rec.zone) if r.dataset == rec.dataset and r.promoted_at
             and r.arrived_at > rec.arrived_at]
    if later:
        warning = (f"replayed after {len(later)} later file(s) reached ODS (e.g. ingest {later[-1]}): without a "
                   "latestWins column its rows overwrite theirs for the same keys at the next promotion")
        ctx.ledger.complete(rec.ingest_id, warnings=[*rec.warnings, warning], completed_at=rec.completed_at)


def acknowledge_task(ctx: Context, ingest_id: str, by: str) -> IngestRecord:
    """Close a quarantine without a replay (``lake acknowledge``): the file stays quarantined, the
    dataset's health and alert no longer count it. ``by``: who, and why."""
    rec = ctx.ledger.get(ingest_id)
    if rec is None:
        raise ReplayRefused(f"no ingest {ingest_id} in the ledger")
    if rec.outcome not in ("quarantined", "partial"):
        raise ReplayRefused(f"ingest {ingest_id} ({rec.source_key}) is {rec.outcome}: nothing to acknowledge")
    ctx.ledger.complete(ingest_id, acknowledged_at=now(), acknowledged_by=by, completed_at=rec.completed_at)
    if rec.zone and rec.dataset:
        resolved(ctx, rec.zone, rec.dataset, None, clean=rec.outcome == "partial")
    return ctx.ledger.get(ingest_id) or rec
