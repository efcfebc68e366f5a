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
import re
import sqlite3
from pathlib import Path

from lake.erasure.names import redact_names
from lake.erasure.report import ErasureReport
from lake.erasure.subject import REDACTED, Subject
from lake.runtime.context import Context

SQLITE_SUFFIXES = (".sqlite", ".sqlite-wal", ".sqlite-shm", ".db", ".db-wal", ".db-shm")


def _databases(ctx: Context) -> list[sqlite3.Connection]:
    return [db for db in (getattr(ctx.ledger, "db", None), getattr(ctx.records, "db", None))
            if isinstance(db, sqlite3.Connection)]


class Redactor:
    """The subject's value (its mentions) and every zone's HMAC of it, replaced in any text: a quality
    message or an alert may quote a hashed value as readily as a raw one."""

    def __init__(self, subject: Subject, hashes: set[str]):
        self.subject, self.hashes = subject, sorted(hashes)
        self.needles = [n.encode() for n in ([subject.value] if subject.pattern else []) + self.hashes]

    def __call__(self, text: str) -> str:
        out = redact_names(self.subject, text)
        for h in self.hashes:
            out = re.sub(re.escape(h), REDACTED, out, flags=re.IGNORECASE)
        return out


def scrub(ctx: Context, subject: Subject, report: ErasureReport,
          hashes: frozenset[str] | set[str] = frozenset()) -> None:
    for db in _databases(ctx):
        db.execute("PRAGMA secure_delete = ON")  # freed cells are zeroed, not left in the page
    fix = Redactor(subject, set(hashes))
    _ledger(ctx, fix, report)
    for table in ctx.records.redact(fix):
        report.add(None, f"platform:{table}", "redacted")
    if fix.needles:
        _files(ctx, fix, report)
    compact(ctx)


def _ledger(ctx: Context, fix: Redactor, report: ErasureReport) -> None:
    for rec in ctx.ledger.records():
        reason = fix(rec.reason) if rec.reason else rec.reason
        warnings = [fix(w) for w in rec.warnings]
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


def _holds(path: Path, needles: list[bytes]) -> bool:
    tail, longest = b"", max(len(n) for n in needles)
    with path.open("rb") as f:
        while chunk := f.read(4 << 20):
            window = (tail + chunk).lower()
            if any(n in window for n in needles):
                return True
            tail = chunk[-longest:]
    return False


def _redact_file(path: Path, fix: Redactor) -> bool | None:
    """Redact a text file line by line (streamed); False if nothing changed, None if it is not text."""
    tmp = path.with_name(f".{path.name}.erasing")
    changed = False
    try:
        with path.open("rb") as src, tmp.open("wb") as out:
            for raw in src:
                line = raw.decode("utf-8")
                fixed = fix(line)
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


def _files(ctx: Context, fix: Redactor, report: ErasureReport) -> None:
    root, skipped = ctx.home.root, _skipped(ctx)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):  # hidden files and folders included
        dirs[:] = [d for d in dirs if Path(folder, d) not in skipped]
        for name in files:
            path = Path(folder, name)
            if name.endswith(SQLITE_SUFFIXES) or not _holds(path, fix.needles):
                continue
            where = f"platform:{fix(path.relative_to(root).as_posix())}"
            done = _redact_file(path, fix)
            if done is None:
                report.add(None, where, "NOT ERASED (binary file, left as is)")
            elif done:
                report.add(None, where, "redacted")
