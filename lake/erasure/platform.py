"""Erasure in the platform's own records: ledger reasons, run errors, alerts, logs, lineage events.

Row values reach them through error messages (a CSV parse error quotes the row, an alert quotes
the reason), so every text is redacted where it mentions the subject. Locally the records are
SQLite databases, which keep deleted bytes in free pages and in the write-ahead log: they are
rewritten (``secure_delete``, ``VACUUM``, a truncating checkpoint). Every other text file under
the lake home (alerts, logs, OpenLineage events, ``lake docs`` output, storage metadata) is
redacted in place; a binary file that holds the value is reported, never silently left.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.runtime.context import Context

SQLITE_SUFFIXES = (".sqlite", ".sqlite-wal", ".sqlite-shm", ".db", ".db-wal", ".db-shm")


def _databases(ctx: Context) -> list[sqlite3.Connection]:
    return [db for db in (getattr(ctx.ledger, "db", None), getattr(ctx.records, "db", None))
            if isinstance(db, sqlite3.Connection)]


def scrub(ctx: Context, subject: Subject, report: ErasureReport) -> None:
    for db in _databases(ctx):
        db.execute("PRAGMA secure_delete = ON")  # freed cells are zeroed, not left in the page
    _ledger(ctx, subject, report)
    for table in ctx.records.redact(subject.redact):
        report.add(None, f"platform:{table}", "redacted")
    if subject.pattern is not None:
        _files(ctx, subject, report)
    compact(ctx)


def _ledger(ctx: Context, subject: Subject, report: ErasureReport) -> None:
    for rec in ctx.ledger.records():
        reason = subject.redact(rec.reason) if rec.reason else rec.reason
        warnings = [subject.redact(w) for w in rec.warnings]
        if reason != rec.reason or warnings != rec.warnings:
            ctx.ledger.erased(rec.ingest_id, report.request_id, reason=reason, warnings=warnings)
            report.add(rec.zone, f"platform:ingest_ledger/{rec.ingest_id}", "redacted")


def compact(ctx: Context) -> None:
    """Rewrite the SQLite files so no free page or WAL frame keeps an old row."""
    for db in _databases(ctx):
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _skipped(ctx: Context) -> set[Path]:
    home = ctx.home
    return {home.root / b for b in (ctx.buckets.ingress, ctx.buckets.landing, ctx.buckets.staging)} | {
        home.warehouse, home.platform / "keys"}


def _holds(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(4 << 20):
            if needle in (tail + chunk).lower():
                return True
            tail = chunk[-len(needle):]
    return False


def _redact_file(path: Path, subject: Subject) -> bool | None:
    """Redact a text file line by line (streamed); False if nothing changed, None if it is not text."""
    tmp = path.with_name(f".{path.name}.erasing")
    changed = False
    try:
        with path.open("rb") as src, tmp.open("wb") as out:
            for raw in src:
                line = raw.decode("utf-8")
                fixed = subject.redact(line)
                changed |= fixed != line
                out.write(fixed.encode("utf-8"))
    except UnicodeDecodeError:
        tmp.unlink(missing_ok=True)
        return None
    if changed:
        os.replace(tmp, path)
    else:
        tmp.unlink()
    return changed


def _files(ctx: Context, subject: Subject, report: ErasureReport) -> None:
    root, skipped = ctx.home.root, _skipped(ctx)
    if not root.is_dir():
        return
    needle = subject.value.encode()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(folder, d) not in skipped]
        for name in files:
            path = Path(folder, name)
            if name.endswith(SQLITE_SUFFIXES) or not _holds(path, needle):
                continue
            where = f"platform:{path.relative_to(root).as_posix()}"
            done = _redact_file(path, subject)
            if done is None:
                report.add(None, where, "NOT ERASED (binary file, left as is)")
            elif done:
                report.add(None, where, "redacted")
