"""wal2json (format-version 2) messages -> the ``applications``-style change envelope.

One line per change: ``{"op": c|u|d|r, "lsn": <int>, "ts_ms": <int>, "before": {...}|null,
"after": {...}|null}`` — what ``lake/ingest/jsonl_reader.py`` unwraps and what ``to_ods`` orders
by. ``lsn`` is the change's own WAL position as a 64-bit integer (``X/Y`` -> ``X << 32 | Y``),
not its transaction's commit position: every change then has a distinct lsn, and two changes
of one row are ordered the way they happened (row locks serialise writers of the same key,
so a later change of a key always sits later in the WAL).

Values keep their meaning, not PostgreSQL's text for them: instants become UTC ISO-8601 with
``Z`` (the server prints them in its session time zone), integers stay integers, numerics keep
their exact text. Anything we cannot read (``infinity``, BC dates) passes through as the server
wrote it, so the validator quarantines it in plain sight rather than us guessing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

INTEGERS = {"smallint", "integer", "bigint", "oid", "int2", "int4", "int8"}
INSTANTS = {"timestamp with time zone", "timestamptz"}
NAIVE = {"timestamp without time zone", "timestamp"}
BOOLEANS = {"boolean", "bool"}
OPS = {"I": "c", "U": "u", "D": "d"}


def parse_lsn(text: str) -> int:
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def _base_type(pg_type: str) -> str:
    """``timestamp(3) with time zone`` -> ``timestamp with time zone``; ``numeric(10,2)`` -> ``numeric``."""
    return re.sub(r"\s+", " ", re.sub(r"\([^)]*\)", "", pg_type)).strip().lower()


def _instant(text: str) -> str:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return text
    if at.tzinfo is None:  # a timestamptz always carries its offset; keep what we got rather than guess
        return text
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _naive(text: str) -> str:
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        return text


def value(raw: Any, pg_type: str) -> Any:
    """One column value as JSON the validator reads; ``raw`` is wal2json's value or the snapshot's text."""
    if raw is None:
        return None
    base = _base_type(pg_type)
    if base.endswith("[]") or isinstance(raw, (dict, list)):
        return raw if isinstance(raw, str) else json.dumps(raw)  # arrays and documents stay text
    if base in INSTANTS:
        return _instant(str(raw))
    if base in NAIVE:
        return _naive(str(raw))
    if base in INTEGERS:
        return raw if isinstance(raw, int) else int(raw)
    if base in BOOLEANS:
        return raw if isinstance(raw, bool) else str(raw).lower() in ("t", "true")
    return raw  # text, numeric (its exact text), dates, uuids, json: as the server wrote them


def row(columns: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    if columns is None:
        return None
    return {c["name"]: value(c.get("value"), c.get("type", "")) for c in columns}


def ts_ms(text: str | None) -> int | None:
    """The commit time wal2json prints (``include-timestamp``), as epoch milliseconds."""
    if not text:
        return None
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        return None


def line(op: str, lsn: int, ts: int | None, before: dict | None, after: dict | None) -> dict[str, Any]:
    return {"op": op, "lsn": lsn, "ts_ms": ts, "before": before, "after": after}


@dataclass(frozen=True)
class Changes:
    lines: list[dict[str, Any]]  # 1, or 2 when an update moved the row to another primary key


@dataclass(frozen=True)
class Commit:
    end_lsn: int  # the end of the commit record: acknowledging it skips this transaction on restart


@dataclass(frozen=True)
class Truncate:
    lsn: int
    ts_ms: int | None
    table: str


@dataclass(frozen=True)
class Other:
    """BEGIN, logical messages, changes of other tables: nothing to write."""


Event = Changes | Commit | Truncate | Other


def decode(msg: dict[str, Any], table: tuple[str, str], keys: list[str]) -> Event:
    """One parsed wal2json format-2 message -> what the stream does with it."""
    action = msg.get("action")
    if action == "C":
        return Commit(parse_lsn(msg["nextlsn"]))
    if action not in ("I", "U", "D", "T") or (msg.get("schema"), msg.get("table")) != table:
        return Other()
    lsn, ts = parse_lsn(msg["lsn"]), ts_ms(msg.get("timestamp"))
    if action == "T":
        return Truncate(lsn, ts, ".".join(table))
    before = row(msg.get("identity"))
    if action == "D":
        return Changes([line("d", lsn, ts, before, None)])
    new = row(msg.get("columns")) or {}
    if action == "I":
        return Changes([line("c", lsn, ts, None, new)])
    # An unchanged TOASTed value is left out of the new row; REPLICA IDENTITY FULL puts it in the old one.
    after = {**(before or {}), **new}
    if before is not None and any(before.get(k) != after.get(k) for k in keys):
        # The key changed: the old row is gone and a new one exists (as Debezium reports it).
        return Changes([line("d", lsn, ts, before, None), line("c", lsn, ts, None, after)])
    return Changes([line(OPS[action], lsn, ts, before, after)])
