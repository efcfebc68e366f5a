"""Platform records on DynamoDB (the table of ``infra/constructs/records_table.py``).

The same interface and the same values as ``lake.backends.records.Records`` (SQLite), so the
run log, quality results, approvals and alert de-duplication survive a Lambda or Glue run.

Items: ``pk = <table>#<zone>`` (``<table>#-`` for rows without a zone), ``sk = <time>#<seq>#<uuid>``.
``rows(table, zone)`` is one strongly consistent Query, in insertion order. ``rows(table)``
queries the partition of each zone it was given (the config's) plus the zone-less one and
merges them by ``sk``; chosen over
  - a Scan: it would read every record of every table (the whole run history) on each alert
    de-duplication, and a Scan cannot be confined to one zone by IAM;
  - an index by table: index reads are eventually consistent, and alert de-duplication reads
    what it has just written.
The per-zone partitions also let IAM confine a principal to one zone's items (a condition on
``dynamodb:LeadingKeys``, e.g. ``approvals#finance``): the zone stewards' policy does.
Rows of a zone missing from ``zones`` are read only by ``rows(table, zone)``.

Values: ``None`` is left out and read back as ``None``; lists and dicts are stored as JSON text
(as SQLite stores them); booleans of ``BOOLEANS`` columns are DynamoDB booleans, other booleans
0/1 (as SQLite); numbers read back as ``int`` when whole, else ``float`` (so 5.0 reads as 5);
NaN and infinities, which DynamoDB cannot store, as ``None`` (SQLite also turns NaN into NULL).
"""

from __future__ import annotations

import itertools
import json
import math
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lake.backends.records import BOOLEANS, SCHEMAS

NO_ZONE = "-"  # zone names are [a-z][a-z0-9_]*: never "-", never containing "#"
_seq = itertools.count()


def partition(table: str, zone: str | None) -> str:
    return f"{table}#{zone or NO_ZONE}"


def _to_item(column: str, value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, bool):
        return value if column in BOOLEANS else int(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return value


def _from_item(column: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if column in BOOLEANS and value is not None:
        return bool(value)
    return value


class DynamoDbRecords:
    def __init__(self, table_name: str, zones: Iterable[str] = (), resource: Any | None = None):
        import boto3

        self.table = (resource or boto3.resource("dynamodb")).Table(table_name)
        self.zones = sorted(set(zones))

    @staticmethod
    def _columns(table: str, names: Iterable[str]) -> tuple[str, ...]:
        cols = SCHEMAS[table]
        unknown = set(names) - set(cols)
        if unknown:
            raise KeyError(f"{table} has no columns {sorted(unknown)}")
        return cols

    def add(self, table: str, **row: Any) -> None:
        cols = self._columns(table, row)
        values = {c: _to_item(c, row.get(c)) for c in cols}
        sk = f"{datetime.now(UTC).isoformat(timespec='microseconds')}#{next(_seq):010d}#{uuid.uuid4().hex}"
        self.table.put_item(Item={"pk": partition(table, row.get("zone")), "sk": sk,
                                  **{c: v for c, v in values.items() if v is not None}})

    def _items(self, table: str, zone: str | None) -> list[dict[str, Any]]:
        partitions = [partition(table, zone)] if zone else [partition(table, z) for z in [*self.zones, None]]
        items: list[dict[str, Any]] = []
        for pk in partitions:
            start = None
            while True:
                page = self.table.query(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": pk},
                                        ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
                items += page["Items"]
                if not (start := page.get("LastEvaluatedKey")):
                    break
        if len(partitions) > 1:
            items.sort(key=lambda i: i["sk"])
        return items

    @staticmethod
    def _row(table: str, item: dict[str, Any]) -> dict[str, Any]:
        return {c: _from_item(c, item.get(c)) for c in SCHEMAS[table]}

    def rows(self, table: str, zone: str | None = None) -> list[dict[str, Any]]:
        self._columns(table, ())  # an unknown table is a KeyError
        return [self._row(table, i) for i in self._items(table, zone)]

    def delete(self, table: str, **where: Any) -> int:
        self._columns(table, where)
        if "zone" in where and not where["zone"]:
            return 0  # SQL: zone = NULL matches nothing; and "" is not a zone
        deleted = 0
        for item in self._items(table, where.get("zone")):
            row = self._row(table, item)
            # SQL equality: NULL equals nothing, not even NULL
            if all(v is not None and row[c] == v for c, v in where.items()):
                self.table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
                deleted += 1
        return deleted

    def redact(self, fix: Callable[[str], str]) -> dict[str, int]:
        """Apply ``fix`` to every text value (an erasure's redaction); rows changed per table.

        Each changed item is overwritten in place (same keys). Point-in-time recovery still holds
        the old item for its window (35 days), as backups hold old objects: see the README."""
        changed: dict[str, int] = {}
        for table, cols in SCHEMAS.items():
            for item in self._items(table, None):
                new = {c: fix(item[c]) for c in cols if isinstance(item.get(c), str)}
                new = {c: v for c, v in new.items() if v != item[c]}
                if new:
                    self.table.put_item(Item={**item, **new})
                    changed[table] = changed.get(table, 0) + 1
        return changed

