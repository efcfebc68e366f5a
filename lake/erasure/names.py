"""Values that ended in names: a producer named a file after the person (``claims_jane@example.com.csv``).

The object key then travels everywhere: the landing copy and its quarantine report, the ledger
(``source_key``, ``landing_key``, ``quarantine_key``), every staged and ODS row's ``_source_file``,
run records, logs and OpenLineage events. The key is redacted the same way text is
(``Subject.redact``), so the moved object and every record that names it still agree: an object
``…/claims_jane@example.com.csv`` becomes ``…/claims_[erased].csv`` and so does each mention of it.
Only other people's rows stay in the moved object; the rewrite that follows removes hers.

Also here: what writers leave behind when they are killed, and hidden files, which the flow
ignores but which hold whatever a producer put in them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lake.backends.ledger import IngestRecord
from lake.backends.storage import LocalStorage, NotFound
from lake.erasure.report import ErasureReport
from lake.erasure.subject import REDACTED, Subject
from lake.runtime.context import Context

KEY_FIELDS = ("source_key", "landing_key", "staged_key", "quarantine_key")
# In running text ``jane@example.com.au`` is another address; in a name ``jane@example.com.csv`` is hers.
EXTENSIONS = r"(?:\.(?:csv|tsv|txt|jsonl|json|ndjson|parquet|gz|tmp|erasing|report|rejected))+(?![a-z0-9])"


@lru_cache(maxsize=8)
def _in_name(value: str) -> re.Pattern[str]:
    # the stem of a name (hidden or not: ``.jane@x.com.csv.tmp`` is a temp file of ``jane@x.com.csv``)
    start = r"(?:(?<=^\.)|(?<=/\.)|(?<![a-z0-9._%+-]))"
    return re.compile(r"(?i)" + start + re.escape(value) + f"(?={EXTENSIONS})")


def named(subject: Subject, text: str) -> bool:
    """The subject in ``text``: mentioned, or as a file name's stem (before its extensions)."""
    return subject.mentioned(text) or (subject.pattern is not None and _in_name(subject.value).search(text) is not None)


def redact_names(subject: Subject, text: str) -> str:
    """``Subject.redact``, and the value as a file name's stem too."""
    if subject.pattern is None:
        return text
    return _in_name(subject.value).sub(REDACTED, subject.redact(text))


def _buckets(ctx: Context) -> list[str]:
    return [ctx.buckets.ingress, ctx.buckets.landing, ctx.buckets.staging]


def _move(ctx: Context, bucket: str, key: str, new: str) -> None:
    """Copy to ``new`` (with its metadata), then delete ``key`` and every older version of it."""
    try:
        meta = ctx.storage.head(bucket, key).metadata
    except NotFound:
        return
    with ctx.storage.readable(bucket, key) as src:
        ctx.storage.put_file(bucket, new, src, metadata=dict(meta) or None)
    ctx.storage.delete(bucket, key)
    ctx.storage.purge_old_versions(bucket, key)


def rename_objects(ctx: Context, subject: Subject, report: ErasureReport) -> int:
    """Move every object whose key names the subject, and make the ledger follow; how many moved."""
    if subject.pattern is None:
        return 0  # a bare id (person_id=42) in a name is not known to be the person's
    moved = 0
    for bucket in _buckets(ctx):
        for obj in list(ctx.storage.list(bucket)):
            if named(subject, obj.key):
                new = redact_names(subject, obj.key)
                _move(ctx, bucket, obj.key, new)
                report.add(obj.key.split("/", 1)[0] if bucket == ctx.buckets.ingress else None,
                           f"s3://{bucket}/{new}", "renamed")
                moved += 1
    for rec in ctx.ledger.records():
        _follow(ctx, rec, subject, report)
    return moved


def _follow(ctx: Context, rec: IngestRecord, subject: Subject, report: ErasureReport) -> None:
    fixed = {f: redact_names(subject, v) for f in KEY_FIELDS
             if isinstance(v := getattr(rec, f), str) and named(subject, v)}
    if fixed:
        ctx.ledger.erased(rec.ingest_id, report.request_id, **fixed)
        report.add(rec.zone, f"platform:ingest_ledger/{rec.ingest_id}", "redacted")


def remove_debris(ctx: Context, subject: Subject, report: ErasureReport) -> None:
    """Temp files of writers that were killed (``.<name>.tmp``, ``.<name>.erasing``): listings hide
    them, so nothing else would ever erase them. The erasure holds every lock, so none is in flight."""
    if not isinstance(ctx.storage, LocalStorage):
        return  # S3 has no partial objects: an upload either completes or is not there
    for bucket in _buckets(ctx):
        root = ctx.home.root / bucket
        for path in sorted(root.rglob(".*")):
            if path.is_file() and path.name.endswith((".tmp", ".erasing")):
                path.unlink()
                where = redact_names(subject, f"s3://{bucket}/{path.relative_to(root).as_posix()}")
                report.add(None, where, "deleted debris")
    for path in sorted(ctx.home.platform.rglob(".*.erasing")):
        path.unlink()
