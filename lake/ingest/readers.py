"""Stream a landed file as batches of raw columns, named by the contract.

Each reader yields ``RawBatch`` es of at most a few MB, so memory never grows with the file.
Whole-file problems raise ``FileRejected`` (with a reason a producer can act on); a row the
reader itself cannot use (a CSV row with the wrong number of fields, a line that is not JSON)
is kept out of the batch and reported as a ``RowError``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lake.config import Dataset
from lake.ingest.header import match_columns

CSV_BLOCK = 2 << 20  # bytes parsed per batch: large enough to amortise kernels, small for RSS
JSON_ROWS = 20_000


class FileRejected(Exception):
    """The file as a whole cannot be read under its contract."""


@dataclass
class RowError:
    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass
class RawBatch:
    columns: dict[str, pa.Array]  # contract column (and CDC meta) name -> raw values
    rows: pa.Array  # 1-based row numbers (CSV: data rows after the header; JSONL: lines)
    rejected: list[RowError] = field(default_factory=list)  # rows the reader had to leave out

    @property
    def num_rows(self) -> int:
        return len(self.rows)


def sniff(path: Path, size: int = 64 << 10) -> tuple[bytes, bool]:
    """First bytes of the (decompressed) content, and whether the file is gzip (by its magic, not its name)."""
    with path.open("rb") as f:
        head = f.read(size)
    gz = head[:2] == b"\x1f\x8b"
    if gz:
        try:
            with gzip.open(path, "rb") as f:
                head = f.read(size)
        except (OSError, EOFError) as err:
            raise FileRejected(f"gzip stream is corrupt: {err}") from err
    return head, gz


def check_text(head: bytes, encoding: str) -> None:
    """Refuse binary content early, with a hint, before a text parser makes a confusing error of it."""
    if b"\x00" in head and "16" not in encoding and "32" not in encoding:
        hint = " (is it UTF-16? declare the encoding in the contract)" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise FileRejected(f"binary content (NUL bytes), not {encoding} text{hint}")


def _stream(path: Path, gz: bool) -> pa.NativeFile:
    return pa.input_stream(str(path), compression="gzip" if gz else None, buffer_size=1 << 20)


def first_bad_bytes(path: Path, gz: bool, encoding: str) -> str:
    """Where the text stops being valid in its encoding: 'line N, byte offset B' (error path only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    with (gzip.open(path, "rb") if gz else path.open("rb")) as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                pos, at = offset + err.start, line + chunk[:err.start].count(b"\n")
                return f"line {at}, byte offset {pos}"
            offset, line = offset + len(chunk), line + chunk.count(b"\n")
    return "end of file"


def arrow_encoding(name: str) -> str:
    """pyarrow decodes only 'utf8' natively; any other spelling (even 'utf-8') goes through Python codecs."""
    return "utf8" if codecs.lookup(name).name == "utf-8" else name


def _skip(row: Any) -> str:
    return "skip"


class Renumber(Exception):
    """A malformed row turned up where parallel parsing cannot tell its number: read again, serially."""


def csv_batches(path: Path, ds: Dataset, gz: bool, warnings: list[str], serial: bool = False) -> Iterator[RawBatch]:
    """Parallel parsing for speed; a file with a malformed row is re-read serially (``Renumber``),
    the only way pyarrow reports which row it was."""
    opts, enc = ds.options.csv, arrow_encoding(ds.options.encoding)
    rejected: list[RowError] = []
    skipped: list[int] = []  # data-row numbers the parser left out, so later rows keep their numbers
    unnumbered: list[bool] = []
    offset = 1 if opts.header else 0

    def on_invalid(row: Any) -> str:
        if row.number is None:
            unnumbered.append(True)
            return "skip"
        n = row.number - offset
        skipped.append(n)
        try:
            text = row.text[:500]
        except UnicodeDecodeError:  # the row's bytes are not UTF-8: the conversion will reject the file
            text = None
        rejected.append(RowError(n, None, text, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    parse = pacsv.ParseOptions(delimiter=opts.delimiter, quote_char=opts.quote, escape_char=opts.escape or False,
                               newlines_in_values=True, invalid_row_handler=on_invalid)
    read = pacsv.ReadOptions(block_size=CSV_BLOCK, encoding=enc, use_threads=not serial)
    if opts.header:
        try:
            probe = pacsv.open_csv(_stream(path, gz), read_options=pacsv.ReadOptions(block_size=1 << 20, encoding=enc),
                                   parse_options=pacsv.ParseOptions(delimiter=opts.delimiter, quote_char=opts.quote,
                                                                    newlines_in_values=True,
                                                                    invalid_row_handler=_skip))
            header = probe.schema.names
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            raise FileRejected(f"not readable as CSV: {err}") from err
        mapping = match_columns(header, ds, warnings, delimiter=opts.delimiter)
    else:
        read.column_names = [c.name for c in ds.columns]
        mapping = {c.name: c.name for c in ds.columns}
    conv = pacsv.ConvertOptions(column_types={h: pa.string() for h in mapping.values()},
                                include_columns=list(mapping.values()), strings_can_be_null=True,
                                null_values=[""], quoted_strings_can_be_null=False)
    reader = pacsv.open_csv(_stream(path, gz), read_options=read, parse_options=parse, convert_options=conv)
    seen = 0
    for batch in reader:
        if unnumbered:
            raise Renumber()
        n = batch.num_rows
        ordinal = np.arange(seen + 1, seen + n + 1)
        seen += n
        if skipped:  # the k-th surviving row is the k-th number not taken by a skipped row
            s = np.sort(np.array(skipped))
            ordinal = ordinal + np.searchsorted(s - np.arange(len(s)), ordinal, side="right")
        cols = {c: batch.column(h) for c, h in mapping.items()}
        out, rejected = RawBatch(cols, pa.array(ordinal, pa.int64()), rejected), []
        yield out
    if unnumbered:
        raise Renumber()
    if rejected:
        yield RawBatch({c: pa.array([], pa.string()) for c in mapping}, pa.array([], pa.int64()), rejected)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    raise TypeError("expected a single value, got " + ("an object" if isinstance(value, dict) else "a list"))


def jsonl_batches(path: Path, ds: Dataset, gz: bool, warnings: list[str], serial: bool = True) -> Iterator[RawBatch]:
    """JSON lines, parsed per line with numbers kept as their text, so decimals stay exact."""
    names = {c.name.lower(): c.name for c in ds.columns}
    cdc = ds.options.cdc is not None
    meta = ["_op", "_lsn", "_ts_ms"] if cdc else []
    extra: set[str] = set()
    raw = gzip.open(path, "rb") if gz else path.open("rb")  # noqa: SIM115 (closed with the wrapper below)
    text = io.TextIOWrapper(raw, encoding=ds.options.encoding, errors="strict", newline="\n")
    cols: dict[str, list[str | None]] = {n: [] for n in [*names.values(), *meta]}
    rows: list[int] = []
    rejected: list[RowError] = []

    def flush() -> RawBatch:
        b = RawBatch({k: pa.array(v, pa.string()) for k, v in cols.items()}, pa.array(rows, pa.int64()),
                     list(rejected))
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
                obj = json.loads(line, parse_float=str, parse_int=str, parse_constant=str)
            except json.JSONDecodeError as err:
                rejected.append(RowError(lineno, None, line[:500].rstrip("\n"), f"not valid JSON: {err.msg}"))
                continue
            try:
                record, envelope = _unwrap(obj, cdc)
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


def parquet_batches(path: Path, ds: Dataset, gz: bool, warnings: list[str], serial: bool = True) -> Iterator[RawBatch]:
    if gz:  # Parquet needs random access: inflate to a temporary file first (disk, not memory)
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lake-gz-") as work:
            plain = Path(work) / "file.parquet"
            with gzip.open(path, "rb") as src, plain.open("wb") as dst:
                shutil.copyfileobj(src, dst, 8 << 20)
            yield from parquet_batches(plain, ds, False, warnings)
        return
    try:
        pf = pq.ParquetFile(str(path))
    except (pa.ArrowInvalid, OSError) as err:
        raise FileRejected(f"not a readable Parquet file: {err}") from err
    mapping = match_columns(pf.schema_arrow.names, ds, warnings)
    seen = 0
    for batch in pf.iter_batches(batch_size=65_536, columns=list(mapping.values())):
        n = batch.num_rows
        yield RawBatch({c: batch.column(h) for c, h in mapping.items()},
                       pa.array(range(seen + 1, seen + n + 1), pa.int64()))
        seen += n


READERS = {"csv": csv_batches, "jsonl": jsonl_batches, "parquet": parquet_batches}
