"""The sample as columns of text (None where a value is missing), whatever the file's format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from lake.infer.dialect import NULL_MARKERS, Dialect, InferError, null_markers, parse, sniff
from lake.infer.sample import Sample, read_sample
from lake.infer.types import Inferred, infer_type

DEFAULT_ROWS = 10_000


@dataclass
class Columns:
    format: str  # csv | jsonl | parquet
    names: list[str]
    values: dict[str, list[str | None]]  # text per row, None where missing
    types: dict[str, Inferred]
    rows: int
    complete: bool  # every row of the file was sampled
    encoding: str = "utf-8"
    bom: bool = False
    gzipped: bool = False
    dialect: Dialect | None = None
    nulls: list[str] = field(default_factory=list)  # the null markers a CSV uses besides the empty value


def _blank(v: str | None, markers: set[str]) -> bool:
    return v is None or not v.strip() or v in markers


def _typed(names: list[str], raw: dict[str, list[str]], markers: set[str]) -> dict[str, Inferred]:
    return {n: infer_type([v for v in raw[n] if not _blank(v, markers)]) for n in names}


def read_csv(sample: Sample, max_rows: int, header: bool) -> Columns:
    dialect = sniff(sample.text, header)
    header_names, table = parse(sample.text, dialect, max_rows)
    names = [h.strip().lower() for h in header_names]  # as ingestion matches a header to the contract
    if len(set(names)) < len(names) or not all(names):
        raise InferError(f"the header has empty or repeated column names: {header_names[:20]} (is the first "
                         "line a header? else use --no-header)")
    raw = {n: table.column(i).to_pylist() for i, n in enumerate(names)}
    # Types first without any marker, so a marker shows itself in a column whose other values are typed.
    untyped = {n for n, t in _typed(names, raw, set(NULL_MARKERS)).items() if t.physical == "string"}
    markers = null_markers(raw, untyped)
    values = {n: [None if _blank(v, set(markers)) else v for v in raw[n]] for n in names}
    return Columns("csv", names, values, _typed(names, raw, set(markers)), table.num_rows,
                   sample.complete and table.num_rows < max_rows, sample.encoding, sample.bom, sample.gzipped,
                   dialect, markers)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return str(v)


def read_jsonl(sample: Sample, max_rows: int) -> Columns:
    names: list[str] = []
    rows: list[dict[str, Any]] = []
    for i, line in enumerate(sample.text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InferError(f"line {i} is not JSON: {err}") from err
        if not isinstance(obj, dict):
            raise InferError(f"line {i} is not a JSON object")
        names += [k for k in obj if k not in names]
        rows.append(obj)
        if len(rows) >= max_rows:
            break
    values = {n.lower(): [_text(r.get(n)) for r in rows] for n in names}
    keys = [n.lower() for n in names]
    types = {n: infer_type([v for v in values[n] if v is not None and v.strip()]) for n in keys}
    return Columns("jsonl", keys, values, types, len(rows), sample.complete and len(rows) < max_rows,
                   sample.encoding, sample.bom, sample.gzipped)


def _arrow_type(t: pa.DataType) -> Inferred | None:
    if pa.types.is_boolean(t):
        return Inferred("boolean", "boolean")
    if pa.types.is_integer(t):
        return Inferred("bigint", "integer")
    if pa.types.is_floating(t):
        return Inferred("double", "number")
    if pa.types.is_decimal(t):
        return Inferred(f"decimal({t.precision},{t.scale})", "number")
    if pa.types.is_date(t):
        return Inferred("date", "date")
    if pa.types.is_timestamp(t):
        return Inferred("timestamp", "timestamp")
    return None  # text and anything else: by its values


def read_parquet(path: Path, max_rows: int) -> Columns:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    batch = next(pf.iter_batches(batch_size=max_rows), None)  # the first rows only, never the whole file
    table = pa.Table.from_batches([batch] if batch is not None else [], schema=pf.schema_arrow)
    keys = [n.lower() for n in table.column_names]
    values = {k: [_text(v) for v in table.column(i).to_pylist()] for i, k in enumerate(keys)}
    types = {k: _arrow_type(table.schema.field(i).type)
             or infer_type([v for v in values[k] if v is not None and v.strip()]) for i, k in enumerate(keys)}
    return Columns("parquet", keys, values, types, table.num_rows, table.num_rows >= pf.metadata.num_rows)


def read_columns(path: Path, max_rows: int = DEFAULT_ROWS, max_bytes: int | None = None,
                 header: bool = True) -> Columns:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        return read_parquet(path, max_rows)
    sample = read_sample(path, max_bytes) if max_bytes else read_sample(path)
    if name.endswith((".jsonl", ".ndjson", ".json")) or sample.text.lstrip().startswith("{"):
        return read_jsonl(sample, max_rows)
    return read_csv(sample, max_rows, header)
