"""Printing query results as table, CSV or JSON lines, one batch at a time."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

import pyarrow as pa


def _text(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    return str(v)


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection): OWASP's advice is
# to prefix such a cell with a single quote, so it shows as text. Numbers are written as they are.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return _text(v)


def _json(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)  # exact: never through float
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def write(batches: Iterable[pa.RecordBatch], fmt: str = "table", out: TextIO | None = None,
          schema: pa.Schema | None = None) -> int:
    """Stream ``batches`` to ``out`` (default: the current ``sys.stdout``); returns the rows written."""
    out = out or sys.stdout  # looked up per call, never bound at import time
    it: Iterator[pa.RecordBatch] = iter(batches)
    first = next(it, None)
    names = (first.schema if first is not None else schema or pa.schema([])).names
    rows = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([_csv_cell(n) for n in names])
    elif fmt == "table":
        widths = [len(n) for n in names]
        if first is not None:
            for i, col in enumerate(first.to_pydict().values()):
                widths[i] = max([widths[i]] + [len(_text(v)) for v in col[:200]])
        out.write(" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
        out.write("-+-".join("-" * w for w in widths) + "\n")
    for batch in _chain(first, it):
        for row in batch.to_pylist():
            values = [row[n] for n in names]
            if fmt == "csv":
                writer.writerow([_csv_cell(v) for v in values])
            elif fmt == "json":
                out.write(json.dumps(dict(zip(names, map(_json, values), strict=True))) + "\n")
            else:
                out.write(" | ".join(_text(v).ljust(wd) for v, wd in zip(values, widths, strict=True)).rstrip() + "\n")
            rows += 1
    if fmt == "table":
        out.write(f"({rows} row{'s' if rows != 1 else ''})\n")
    return rows


def _chain(first: pa.RecordBatch | None, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    if first is not None:
        yield first
    yield from rest
