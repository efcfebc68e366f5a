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

import contextlib
import time

from pyspark.sql import SparkSession

from lake.config.personal_data import holds_pii
from lake.erasure import names, objects, platform, staging
from lake.erasure.parquet import LINEAGE_TEXT
from lake.erasure.raw import scratch
from lake.erasure.report import ErasureReport
from lake.erasure.request import ErasureRequest, delete, load, save
from lake.erasure.subject import Subject
from lake.pii import platform_key, zone_key
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.runtime.lock import LOCK_WAIT, for_home, hold, zone_lock
from lake.tasks.erase import tables
from lake.tasks.erase.opaque import opaque
from lake.tasks.erase.transforms import key_text, predicate
from lake.tasks.projections import state as build_state
from lake.tasks.projections.build import Build, build, rebuild
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
        # A zone whose contracts declare no PII has no key (on AWS no secret: infra/stacks/storage.py)
        # and so no hash of anyone; its tables are still searched for the value itself.
        hashes = subject.hashes(zone_key(ctx.home.platform / "keys", zone.name)) if holds_pii(zone) else set()
        for ds in zone.datasets.values():
            treatments = {c.name: c.pii for c in ds.subject_columns(subject.kind.name)}
            staged = found.rows.get((zone.name, ds.name), [])
            for table, key_columns in _targets(ds, ds.primary_key):
                if not spark.catalog.tableExists(table):
                    continue
                keys = {key_text(row[c] for c in key_columns) for row in staged if all(c in row for c in key_columns)}
                cols = columns(spark, table)
                where = predicate(columns={c: t for c, t in cols.items() if c not in LINEAGE_TEXT},
                                  treatments=treatments, hashes=hashes,
                                  value=subject.value, fold_case=subject.kind.fold_case, key_columns=key_columns,
                                  keys=keys, pattern=subject.pattern)
                n = tables.count(spark, table, where) if where else 0
                named = tables.named_in_lineage(spark, table, cols, subject) if LINEAGE_TEXT & cols.keys() else {}
                if not n and not named and table not in request.changed:
                    continue
                if table not in request.changed:  # before the delete: a retry must finish this table's history
                    request.changed.append(table)
                    save(ctx, request)
                if n:
                    tables.delete(spark, table, str(where))
                if named:  # other people's rows from a file named after her: they stay, the name goes
                    tables.redact_lineage(spark, table, named)
                tables.forget_history(spark, table, request.request_id, started_ms)
                report.add(zone.name, table, "deleted", n)
                changed.add(table)
    return changed


def rebuild_analytics(spark: SparkSession, ctx: Context, changed: set[str], report: ErasureReport,
                      started_ms: int, forced: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Rebuild every projection downstream of the changed tables (and the ``forced`` ones, first),
    then drop their older snapshots; the tables rebuilt."""
    from lake.backends.ledger import now

    builds: list[Build] = []
    for p in opaque(ctx.cfg):
        if p.table in forced:
            started = now()
            try:
                builds.append(Build(p.table, "built", build(spark, p, ctx.cfg), sql_file=str(p.path),
                                    started_at=started))
            except Exception as err:  # noqa: BLE001 - reported with the others below
                builds.append(Build(p.table, "failed", error=str(err).strip().splitlines()[0][:300],
                                    sql_file=str(p.path), started_at=started))
            builds[-1].ended_at = now()
    changed = changed | {b.table for b in builds if b.status == "built"}
    builds += rebuild(spark, ctx.cfg, changed) if changed else []
    record_builds(ctx, builds, report.run_id)
    # "waiting": never built, an input not loaded yet (a zone's first file); "unchanged": none of its inputs
    # was rewritten. No version of either holds the subject's rows from the rewritten tables. A failed or
    # skipped one keeps its previous versions, built from the subject's rows.
    failed = [b for b in builds if b.status not in ("built", "waiting", "unchanged")]
    builds = [b for b in builds if b.status == "built"]
    if failed:
        raise RuntimeError("erasure incomplete: could not rebuild " + "; ".join(
            f"{b.table} ({b.status}: {b.error})" for b in failed) + " — fix it and run the erasure again")
    for b in builds:
        tables.forget_history(spark, b.table, report.request_id, started_ms)
        report.add(b.table.split("_analytics.")[0], b.table, "rebuilt")
    for b in builds:  # as a lake run's builds, so the next run finds them up to date: the snapshots read
        if b.record is not None:  # now, after the history of every rebuilt table was rewritten
            b.record.inputs = {t: build_state.current_snapshot(spark, t) for t in b.record.inputs}
            b.record.snapshot_id = build_state.current_snapshot(spark, b.table)
            b.record.run_id = report.run_id
            build_state.save(ctx.records, b.record)
    return {b.table for b in builds}


def sweep_orphans(spark: SparkSession, ctx: Context, report: ErasureReport, started_ms: int,
                  done: set[str]) -> None:
    """Files of writes that died (a promotion killed before its commit) are in no snapshot, so no
    DELETE reaches them, whatever rows they hold. The erasure holds every zone's lock, so each such
    file is debris: removed from every other table too (``forget_history`` did the changed ones)."""
    catalog = spark.catalog.currentCatalog()
    for table in tables.every_table(spark, list(ctx.cfg.zones)):
        if table not in done and (n := tables.remove_orphans(spark, catalog, table, started_ms)):
            report.add(table.split(".")[0].rsplit("_", 1)[0], table, "removed orphan files", n)


def _hashes(ctx: Context, subject: Subject) -> set[str]:
    """Every zone's HMAC of every spelling seen: the forms the platform's own texts may quote."""
    out: set[str] = set()
    for zone in ctx.cfg.zones:
        with contextlib.suppress(PermissionError):  # on AWS a job holds only the keys it was granted
            out |= subject.hashes(zone_key(ctx.home.platform / "keys", zone))
    return out


def erase(spark: SparkSession, ctx: Context, request: ErasureRequest, run_id: str) -> ErasureReport:
    subject = Subject.of(request.subject, request.value)
    started_ms = int(time.time() * 1000)
    report = ErasureReport(request.request_id, run_id, subject.kind.name,
                           subject.audit_hash(platform_key(ctx.home.platform / "keys")), request.requested_at,
                           zones={z.name for z in ctx.cfg.zones.values()
                                  if any(ds.subject_columns(subject.kind.name) for ds in z.datasets.values())})
    names.remove_debris(ctx, subject, report)
    names.rename_objects(ctx, subject, report)
    objects.erase_raw(ctx, subject, report)
    with scratch() as work:
        found = staging.scan(ctx, subject, work)
        objects.erase_stray(ctx, subject, report, ctx.buckets.staging, found.stray)
        changed = erase_ods(spark, ctx, subject, found, request, report, started_ms)
        # Staging is replaced before any projection is rebuilt, so one that reads it by a path sees
        # it erased too; a crash after this point loses nothing a retry needs (``request.changed``).
        staging.commit(ctx, found, report)
    rebuilt = rebuild_analytics(spark, ctx, changed | set(request.changed), report, started_ms)
    if report.rows_removed:  # projections that may read anything are rebuilt from what is left
        rebuilt |= rebuild_analytics(spark, ctx, set(), report, started_ms,
                                     {p.table for p in opaque(ctx.cfg)} - rebuilt)
    sweep_orphans(spark, ctx, report, started_ms, changed | set(request.changed) | rebuilt)
    objects.recount(ctx, request.request_id)
    platform.scrub(ctx, subject, report, _hashes(ctx, subject))
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


def run_request_locked(spark: SparkSession, ctx: Context, request_id: str, request_key: str,
                       wait: float = LOCK_WAIT) -> ErasureReport:
    """``run_request`` holding every zone's lock (DynamoDB on AWS): no promotion, projection build or
    vacuum writes a table meanwhile, so orphan removal cannot take a file of a commit in flight.
    Waits up to ``wait`` seconds for a running one; then fails (Busy) and the workflow retries."""
    locks = [zone_lock(z) for z in ctx.cfg.zones]
    with hold(for_home(ctx.home.platform), locks, f"erase {request_id}", wait):
        return run_request(spark, ctx, request_id, request_key)
