"""Erasure in staging: the typed Parquet files, which are also where ODS rows are traced from.

Staging holds each value exactly as delivered and each row's ``_ingest_id``/``_row_number``
and key, so scanning it tells the ODS step two things: every spelling of the value that ODS
may have hashed, and which (ingest, key) rows to delete where the stored value no longer says
whose row it is (masked or dropped columns). The rewritten files are written to scratch first
and replace the originals only after ODS is done, so a crash in between loses nothing a retry
needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lake.erasure.parquet import rewrite_parquet
from lake.erasure.raw import Layout
from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.runtime.context import Context

LINEAGE_KEYS = ("_ingest_id", "_row_number", "_lsn")  # _lsn: CDC datasets only


@dataclass
class Pending:
    key: str
    path: Path
    zone: str
    ingest_id: str
    removed: int


@dataclass
class StagingScan:
    rows: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (zone, dataset) -> keys
    pending: list[Pending] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)  # keys the flow did not write (hidden files, copies)


def scan(ctx: Context, subject: Subject, work: Path) -> StagingScan:
    """Find the subject's staged rows (adding the spellings found to ``subject``); nothing is replaced yet."""
    out = StagingScan()
    for n, listed in enumerate(list(ctx.storage.list(ctx.buckets.staging))):
        parts = listed.key.split("/")
        if len(parts) != 4 or not parts[3].endswith(".parquet") or parts[3].startswith("."):
            out.stray.append(listed.key)
            continue
        zone, dataset, ingest_id = parts[0], parts[1], parts[3].removesuffix(".parquet")
        ds = ctx.cfg.dataset(zone, dataset)
        columns = frozenset(c.name.lower() for c in ds.subject_columns(subject.kind.name)) if ds else frozenset()
        keys = (*(ds.primary_key if ds else []), *LINEAGE_KEYS)
        path = work / f"staging-{n}.parquet"
        with ctx.storage.readable(ctx.buckets.staging, listed.key) as src:
            res = rewrite_parquet(src, path, Layout("parquet", columns), subject, keys)
        if not res.removed and not res.redacted:
            path.unlink(missing_ok=True)
            continue
        subject.spellings |= res.spellings
        out.rows.setdefault((zone, dataset), []).extend(res.removed_keys)
        out.pending.append(Pending(listed.key, path, zone, ingest_id, res.removed))
    return out


def commit(ctx: Context, found: StagingScan, report: ErasureReport) -> None:
    bucket = ctx.buckets.staging
    for p in found.pending:
        ctx.storage.put_file(bucket, p.key, p.path)
        ctx.storage.purge_old_versions(bucket, p.key)
        report.add(p.zone, f"s3://{bucket}/{p.key}", "rewrote" if p.removed else "redacted", p.removed)
        rec = ctx.ledger.get(p.ingest_id)
        if rec is not None and p.removed:
            ctx.ledger.erased(p.ingest_id, report.request_id, rows_staged=max(0, rec.rows_staged - p.removed))
