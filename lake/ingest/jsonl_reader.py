"""JSON lines, parsed per line with numbers kept as their text, so decimals stay exact."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from lake.config import Dataset
from lake.ingest.guard import Source
from lake.ingest.readers import FileRejected, RawBatch, RowError

JSON_ROWS = 20_000


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    raise TypeError("expected a single value, got " + ("an object" if isinstance(value, dict) else "a list"))


def jsonl_batches(src: Source, ds: Dataset, warnings: list[str], serial: bool = True) -> Iterator[RawBatch]:
    """JSON lines, parsed per line with numbers kept as their text, so decimals stay exact."""
    names = {c.name.lower(): c.name for c in ds.columns}
    cdc = ds.options.cdc is not None
    meta = ["_op", "_lsn", "_ts_ms"] if cdc else []
    extra: set[str] = set()
    text = io.TextIOWrapper(src.open(), encoding=ds.options.encoding, errors="strict", newline="\n")
    cols: dict[str, list[str | None]] = {n: [] for n in [*names.values(), *meta]}
    rows: list[int] = []
    rejected: list[RowError] = []
    present: set[str] = set(meta)  # a field counts as carried by the file once any line has it

    def flush() -> RawBatch:
        b = RawBatch({k: pa.array(v, pa.string()) for k, v in cols.items() if k in present},
                     pa.array(rows, pa.int64()), list(rejected))
        for v in cols.values():
            v.clear()
        rows.clear()
        rejected.clear()
        return b

    with text:
        for lineno, line in enumerate(text, 1):
            line = line.lstrip("\ufeff") if lineno == 1 else line
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_float=str, parse_int=str, parse_constant=str,
                                 object_pairs_hook=_no_duplicates)
            except json.JSONDecodeError as err:  # the column is a character position in the line
                rejected.append(RowError(lineno, None, line[:500].rstrip("\n"),
                                         f"not valid JSON at line {lineno}, column {err.colno}: {err.msg}"))
                continue
            except RecursionError:
                rejected.append(RowError(lineno, None, line[:500].rstrip("\n"),
                                         "JSON nested too deeply to read (thousands of levels): not a record"))
                continue
            except ValueError as err:  # a key twice in one object
                rejected.append(RowError(lineno, None, line[:500].rstrip("\n"), str(err)))
                continue
            try:
                record, envelope = _unwrap(obj, cdc)
                _no_collisions(record)
                values = {names[k.strip().lower()]: _text(v) for k, v in record.items() if k.strip().lower() in names}
            except (TypeError, ValueError) as err:
                rejected.append(RowError(lineno, None, line[:500].rstrip("\n"), str(err)))
                continue
            unknown = {k for k in record if k.strip().lower() not in names} - extra
            if unknown:
                extra |= unknown
                if ds.options.extra_columns == "reject":
                    raise FileRejected(f"unexpected field(s) {sorted(unknown)} at line {lineno} "
                                       "(contract: extraColumns reject)")
            present.update(values)
            for c in names.values():
                cols[c].append(values.get(c))
            for m, v in zip(meta, envelope, strict=True):
                cols[m].append(v)
            rows.append(lineno)
            if len(rows) >= JSON_ROWS:
                yield flush()
    if extra:
        warnings.append(f"extra columns dropped: {', '.join(sorted(extra))}")
    if rows or rejected:
        yield flush()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's hook for every object: a key given twice is an error, not "the last one wins"."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"key '{dup}' appears twice in one record")
    return obj


def _no_collisions(record: dict[str, Any]) -> None:
    """Keys matched to columns case-insensitively, spaces ignored: two keys meaning one column is an error."""
    by_column: dict[str, str] = {}
    for k in record:
        norm = k.strip().lower()
        if norm in by_column:
            raise ValueError(f"keys '{by_column[norm]}' and '{k}' both name column '{norm}'")
        by_column[norm] = k


def _unwrap(obj: Any, cdc: bool) -> tuple[dict[str, Any], list[str | None]]:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if not cdc:
        return obj, []
    op = obj.get("op")
    record = obj.get("before") if op == "d" else obj.get("after")
    if not isinstance(record, dict):
        raise ValueError(f"change event (op={op!r}) without its {'before' if op == 'd' else 'after'} row")
    return record, [_text(obj.get("op")), _text(obj.get("lsn")), _text(obj.get("ts_ms"))]
