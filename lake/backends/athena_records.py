"""Platform records Athena can query: the history tables (``runs``, ``quality_results``, ``approvals``,
``erasures``) are written twice on AWS, to the records table (DynamoDB: what the tasks read back) and
as one JSON object per row under ``_platform/<table>/zone=<zone>/`` of the staging bucket, which the
Glue tables ``platform.<table>`` read (infra/constructs/platform_records.py). Each zone's readers see
their zone's rows only, through a Lake Formation data cells filter on the ``zone`` partition.

Why objects and not DynamoDB alone: Athena cannot query DynamoDB without a federated connector (a
Lambda per query, outside Lake Formation's row filters). Why one object per row: a record is written
by whichever Lambda or Glue run produced it, concurrently, and S3 has no append; Athena reads the many
small objects of a prefix as one table (a compaction can come later without changing the tables).
``open_alerts`` and ``approval_requests`` are working state that is updated and deleted: they stay in
DynamoDB (``lake status`` and ``lake approve`` read them).

Values are stored as the other backends store them: lists and dicts as JSON text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lake.backends.records import SCHEMAS, PlatformRecords
from lake.backends.storage import Storage

HISTORY = ("runs", "quality_results", "approvals", "erasures")
PREFIX = "_platform/"  # a key starting with "_" is never a zone's data (lake/config/layout.py)
NO_ZONE = "_none"  # rows that belong to no zone: visible to no zone's readers
INTEGERS = {"rows_in", "rows_out", "rows_quarantined", "failing_rows", "rows_removed"}
DOUBLES = {"measured"}
BOOLEANS = {"passed"}


def column_type(column: str) -> str:
    """The Athena (Hive DDL) type of a record column."""
    return "bigint" if column in INTEGERS else "double" if column in DOUBLES else (
        "boolean" if column in BOOLEANS else "string")


def columns(table: str) -> list[tuple[str, str]]:
    """A history table's data columns and their types; ``zone`` is its partition, not a data column."""
    return [(c, column_type(c)) for c in SCHEMAS[table] if c != "zone"]


def table_prefix(table: str) -> str:
    return f"{PREFIX}{table}/"


def _value(column: str, value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    if column in BOOLEANS and value is not None:
        return bool(value)
    if column in INTEGERS | DOUBLES and isinstance(value, bool):
        return int(value)
    return value


class AthenaRecords:
    """A ``PlatformRecords`` that also writes each history row where Athena reads it."""

    def __init__(self, inner: PlatformRecords, storage: Storage, bucket: str):
        self.inner, self.storage, self.bucket = inner, storage, bucket

    def add(self, table: str, **row: Any) -> None:
        self.inner.add(table, **row)  # validates the columns first
        if table not in HISTORY:
            return
        body = {c: _value(c, row.get(c)) for c, _ in columns(table)}
        at = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        key = f"{table_prefix(table)}zone={row.get('zone') or NO_ZONE}/{at}-{uuid.uuid4().hex}.json"
        self.storage.put_bytes(self.bucket, key, (json.dumps(body, default=str) + "\n").encode())

    def rows(self, table: str, zone: str | None = None) -> list[dict[str, Any]]:
        return self.inner.rows(table, zone)

    def delete(self, table: str, **where: Any) -> int:
        if table in HISTORY:
            raise ValueError(f"platform.{table} is history: its rows are never deleted, only redacted")
        return self.inner.delete(table, **where)

    def redact(self, fix: Callable[[str], str]) -> dict[str, int]:
        """Redact both copies: the records table's rows and every JSON object Athena reads."""
        changed = self.inner.redact(fix)
        for obj in self.storage.list(self.bucket, PREFIX):
            body = self.storage.open(self.bucket, obj.key)
            try:
                text = body.read().decode()
            finally:
                body.close()
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            fixed = [{k: fix(v) if isinstance(v, str) else v for k, v in row.items()} for row in lines]
            if fixed != lines:
                self.storage.put_bytes(self.bucket, obj.key,
                                       "".join(json.dumps(r, default=str) + "\n" for r in fixed).encode())
        return changed
