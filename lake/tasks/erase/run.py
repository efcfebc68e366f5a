"""The ``erase`` task: remove a data subject from every layer, history included.

Arguments: ``--request_id <id> --request_key <key>``. The request (``{"request_id", "subject",
"value", "requested_at"}``) is read from ``<key>`` in the landing bucket, so the value never
appears in arguments or Step Functions history; it is deleted when the erasure is complete
(a failed run leaves it for the retry, which resumes: see ``lake.erasure.request``).

Order, so that a crash anywhere loses nothing a retry needs: raw files (ingress, landing,
quarantine) are rewritten; staging is scanned (into scratch) for the spellings and keys that
find the subject in ODS; ODS tables are deleted from and their history removed; the affected
projections are rebuilt and their history removed; only then does staging get replaced; last,
the platform's own records are redacted and ``platform.erasures`` is written.
"""

from __future__ import annotations

import time

from pyspark.sql import SparkSession

from lake.erasure import objects, platform, staging
from lake.erasure.raw import scratch
from lake.erasure.report import ErasureReport
from lake.erasure.request import ErasureRequest, delete, load, save
from lake.erasure.subject import Subject
from lake.pii import platform_key, zone_key
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.tasks.erase import tables
from lake.tasks.erase.transforms import key_text, predicate
from lake.tasks.projections.build import rebuild
from lake.tasks.projections.task import record_builds
from lake.tasks.to_ods.tables import columns

QUARANTINE_KEYS = ["_ingest_id", "_row_number"]


def _targets(ds, pk: list[str]) -> list[tuple[str, list[str]]]:  # noqa: ANN001 - a Dataset
    """The dataset's Iceberg tables, each with the columns its rows are traced from staging by: a
    tombstone by the key and log position of the subject's delete event (its before-image named her)."""
    base = f"{ds.zone}_ods.{ds.name}"
    return [(base, [*pk, "_ingest_id"]), (f"{base}__quarantine", QUARANTINE_KEYS),
            (f"{base}__tombstones", [*pk, "_lsn"])]


def erase_ods(spark: SparkSession, ctx: Context, subject: Subject, found: staging.StagingScan,
              request: ErasureRequest, report: ErasureReport, started_ms: int) -> set[str]:
    """Delete the subject's rows from every ODS table (and side table); returns the tables changed."""
    changed: set[str] = set()
    for zone in ctx.cfg.zones.values():
        hashes = subject.hashes(zone_key(ctx.home.platform / "keys", zone.name))
        for ds in zone.datasets.values():
            treatments = {c.name: c.pii for c in ds.subject_columns(subject.kind.name)}
            staged = found.rows.get((zone.name, ds.name), [])
            for table, key_columns in _targets(ds, ds.primary_key):
                if not spark.catalog.tableExists(table):
                    continue
                keys = {key_text(row[c] for c in key_columns) for row in staged if all(c in row for c in key_columns)}
                where = predicate(columns=columns(spark, table), treatments=treatments, hashes=hashes,
                                  value=subject.value, fold_case=subject.kind.fold_case, key_columns=key_columns,
                                  keys=keys, pattern=subject.pattern)
                n = tables.count(spark, table, where) if where else 0
                if not n and table not in request.changed:
                    continue
                if table not in request.changed:  # before the delete: a retry must finish this table's history
                    request.changed.append(table)
                    save(ctx, request)
                if n:
                    tables.delete(spark, table, str(where))
                tables.forget_history(spark, table, request.request_id, started_ms)
                report.add(zone.name, table, "deleted", n)
                changed.add(table)
    return changed


def rebuild_analytics(spark: SparkSession, ctx: Context, changed: set[str], report: ErasureReport,
                      started_ms: int) -> None:
    """Rebuild every projection downstream of the changed tables, then drop its older snapshots."""
    builds = rebuild(spark, ctx.cfg, changed) if changed else []
    record_builds(ctx, builds, report.run_id)
    failed = [b for b in builds if b.status != "built"]
    if failed:  # their previous versions, built from the subject's rows, are still there
        raise RuntimeError("erasure incomplete: could not rebuild " + "; ".join(
            f"{b.table} ({b.status}: {b.error})" for b in failed) + " — fix it and run the erasure again")
    for b in builds:
        tables.forget_history(spark, b.table, report.request_id, started_ms)
        report.add(b.table.split("_analytics.")[0], b.table, "rebuilt")


def erase(spark: SparkSession, ctx: Context, request: ErasureRequest, run_id: str) -> ErasureReport:
    subject = Subject.of(request.subject, request.value)
    started_ms = int(time.time() * 1000)
    report = ErasureReport(request.request_id, run_id, subject.kind.name,
                           subject.audit_hash(platform_key(ctx.home.platform / "keys")), request.requested_at,
                           zones={z.name for z in ctx.cfg.zones.values()
                                  if any(ds.subject_columns(subject.kind.name) for ds in z.datasets.values())})
    objects.erase_raw(ctx, subject, report)
    with scratch() as work:
        found = staging.scan(ctx, subject, work)
        changed = erase_ods(spark, ctx, subject, found, request, report, started_ms)
        rebuild_analytics(spark, ctx, changed | set(request.changed), report, started_ms)
        staging.commit(ctx, found, report)
    objects.recount(ctx, request.request_id)
    platform.scrub(ctx, subject, report)
    return report


def run_request(spark: SparkSession, ctx: Context, request_id: str, request_key: str) -> ErasureReport:
    """One erasure as a task run (``platform.runs``, task ``erase``) with its ``platform.erasures`` rows."""
    request = load(ctx, request_key, request_id)
    with runlog.task_run(ctx, "erase", inputs=[f"s3://{ctx.buckets.landing}/{request_key}"]) as run:
        report = erase(spark, ctx, request, run.run_id)
        for row in report.audit_rows():
            ctx.records.add("erasures", **row)
        run.outputs = sorted({c.target for c in report.changes if c.action in ("rewrote", "deleted", "rebuilt")})
        run.rows_out = report.rows_removed
    delete(ctx, request_key)  # complete: the only copy of the value goes
    return report
