"""The validator's engine: raw batches in, typed Parquet and rejected rows out, in bounded memory.

Per batch: coerce every contract column (``coerce``), mark a row bad if any of its values is,
write the good rows with lineage columns to the staging Parquet writer and the bad ones, with
their reasons, to a rejected-rows CSV. Nothing here knows about buckets, the ledger or alerts.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from lake import progress
from lake.config import Column, Dataset, parse_type
from lake.ingest.coerce import Coerced, coerce
from lake.ingest.csv_reader import Renumber, csv_batches
from lake.ingest.duplicates import KeyHashes
from lake.ingest.guard import Limits, Source
from lake.ingest.jsonl_reader import jsonl_batches
from lake.ingest.parquet_reader import parquet_batches
from lake.ingest.readers import FileRejected, RawBatch, RowError, check_text, first_bad_bytes, sniff
from lake.ingest.sink import StagingWriter

MAX_SAMPLES = 100
CDC_META = (Column("_op", parse_type("string"), required=True), Column("_lsn", parse_type("bigint"), required=True),
            Column("_ts_ms", parse_type("bigint")))
CDC_OPS = pa.array(["c", "u", "d", "r"])
DICT = pa.dictionary(pa.int32(), pa.string())
READERS: dict[str, Callable[..., Iterator[RawBatch]]] = {
    "csv": csv_batches, "jsonl": jsonl_batches, "parquet": parquet_batches}


@dataclass(frozen=True)
class Lineage:
    ingest_id: str
    source_file: str  # the ingress key the rows came from
    ingested_at: datetime


@dataclass
class Result:
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    samples: list[dict] = field(default_factory=list)  # {row, column, value, message}
    counts: Counter = field(default_factory=Counter)  # (column, message) -> bad values
    warnings: list[str] = field(default_factory=list)
    file_reason: str | None = None  # set when the file as a whole cannot be read
    rejected_written: bool = False
    present: set[str] = field(default_factory=set)  # the columns the file carried (absent ones are not updated)
    details: dict = field(default_factory=dict)  # the file's rejection, machine-readable, for the report
    key_hashes: KeyHashes | None = None  # the staged rows' key hashes, for the duplicate-key check


def staging_schema(ds: Dataset, constant: pa.DataType | None = None) -> pa.Schema:
    """The staging file's columns. ``constant`` types the per-file constant lineage columns: the
    writer gets them dictionary-encoded (one value, no hashing of millions of copies), and the
    file stores plain strings, since the Arrow schema is not stored alongside."""
    fields = [pa.field(c.name, c.type.arrow) for c in ds.columns]
    constant = constant or pa.string()
    fields += [pa.field("_ingest_id", constant), pa.field("_source_file", constant),
               pa.field("_row_number", pa.int64()), pa.field("_ingested_at", pa.timestamp("us", tz="UTC"))]
    if ds.options.cdc:
        fields += [pa.field(c.name, c.type.arrow) for c in CDC_META]
    return pa.schema(fields)


class _Rejected:
    """Bad rows as CSV: ``_row_number``, ``_errors``, then the raw values as they arrived."""

    def __init__(self, path: Path, names: list[str]):
        self.path, self.names = path, names
        self.writer: pacsv.CSVWriter | None = None
        self.schema = pa.schema([("_row_number", pa.int64()), ("_errors", pa.string())]
                                + [(n, pa.string()) for n in names])

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pacsv.CSVWriter(str(self.path), self.schema)
        self.writer.write_table(table.select(self.schema.names).cast(self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _as_text(arr: pa.Array) -> pa.Array:
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.nulls(len(arr), pa.string())


def _reader_rejects(rejected: list[RowError], res: Result, out: _Rejected) -> None:
    res.rows_read += len(rejected)
    res.rows_quarantined += len(rejected)
    for e in rejected:
        res.counts[(e.column, e.message)] += 1
        if len(res.samples) < MAX_SAMPLES:
            res.samples.append({"row": e.row, "column": e.column, "value": e.value, "message": e.message})
    cols = {"_row_number": pa.array([e.row for e in rejected], pa.int64()),
            "_errors": pa.array([f"{e.message}: {e.value}" for e in rejected], pa.string())}
    cols |= {n: pa.nulls(len(rejected), pa.string()) for n in out.names}
    out.write(pa.table(cols))


def _check_batch(batch: RawBatch, ds: Dataset) -> dict[str, Coerced]:
    n, tz = batch.num_rows, ds.options.timezone
    raw = {c.name: batch.columns.get(c.name, pa.nulls(n, pa.string())) for c in ds.columns}
    checked: dict[str, Coerced] = {}
    applies = None
    if ds.options.cdc:
        op = batch.columns["_op"]
        for m in CDC_META:
            checked[m.name] = coerce(batch.columns[m.name], m, tz)
        bad_op = pc.and_kleene(pc.is_valid(op), pc.invert(pc.is_in(op, CDC_OPS)))
        if pc.any(bad_op).as_py():
            msg = pc.if_else(bad_op, pa.scalar("op must be one of c, u, d, r"), pa.scalar(None, pa.string()))
            prev = checked["_op"].errors
            checked["_op"].errors = msg if prev is None else pc.coalesce(prev, msg)
        applies = pc.not_equal(pc.fill_null(op, ""), "d")  # a delete carries the key, not the whole row
    for c in ds.columns:
        checked[c.name] = coerce(raw[c.name], c, tz, None if c.primary_key else applies)
    return checked


def _process(batch: RawBatch, ds: Dataset, lineage: Lineage, res: Result, rejected: _Rejected) -> pa.Table | None:
    if batch.rejected:
        _reader_rejects(batch.rejected, res, rejected)
    res.present.update(batch.columns)
    n = batch.num_rows
    if n == 0:
        return None
    res.rows_read += n
    checked = _check_batch(batch, ds)
    with_errors = {name: c.errors for name, c in checked.items() if c.errors is not None}
    bad = None
    for name, errs in with_errors.items():
        bad = pc.is_valid(errs) if bad is None else pc.or_(bad, pc.is_valid(errs))
        for (msg, count) in ((v["values"].as_py(), v["counts"].as_py()) for v in pc.value_counts(errs)):
            if msg is not None:
                res.counts[(name, msg)] += count
    if bad is not None:
        _collect_bad(batch, with_errors, bad, res, rejected)
        good = pc.invert(bad)
    n_good = n if bad is None else n - pc.sum(bad).as_py()
    res.rows_staged += n_good
    cols = [checked[c.name].values for c in ds.columns]
    zeros = pa.array(np.zeros(n, np.int32))
    cols += [pa.DictionaryArray.from_arrays(zeros, pa.array([lineage.ingest_id])),
             pa.DictionaryArray.from_arrays(zeros, pa.array([lineage.source_file])), batch.rows,
             pa.repeat(pa.scalar(lineage.ingested_at, pa.timestamp("us", tz="UTC")), n)]
    if ds.options.cdc:
        cols += [checked[m.name].values for m in CDC_META]
    table = pa.Table.from_arrays(cols, schema=staging_schema(ds, DICT))
    return table if bad is None else table.filter(good)


def _collect_bad(batch: RawBatch, with_errors: dict[str, pa.Array], bad: pa.Array, res: Result,
                 rejected: _Rejected) -> None:
    idx = pc.indices_nonzero(bad)
    res.rows_quarantined += len(idx)
    room = MAX_SAMPLES - len(res.samples)
    if room > 0:
        found = []
        for name, errs in with_errors.items():
            where = pc.indices_nonzero(pc.is_valid(errs))[:room]
            raw = batch.columns.get(name)
            values = _as_text(raw.take(where)).to_pylist() if raw is not None else [None] * len(where)
            rows, msgs = batch.rows.take(where).to_pylist(), errs.take(where).to_pylist()
            for row, value, msg in zip(rows, values, msgs, strict=True):
                found.append({"row": row, "column": name, "value": value, "message": msg})
        res.samples += sorted(found, key=lambda e: e["row"])[:room]
    parts = [pc.binary_join_element_wise(f"{name}: ", errs.take(idx), "") for name, errs in with_errors.items()]
    errors = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "; ", null_handling="skip")
    cols = {"_row_number": batch.rows.take(idx), "_errors": errors}
    cols |= {n: _as_text(batch.columns[n].take(idx)) if n in batch.columns else pa.nulls(len(idx), pa.string())
             for n in rejected.names}
    rejected.write(pa.table(cols))


def _guard_reason(err: BaseException) -> str | None:
    """A ``FileRejected`` raised inside the guard reaches us wrapped (pyarrow re-raises a Python
    stream's error as its own): find it along the chain."""
    seen: BaseException | None = err
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:  # a chain may loop back on itself
        if isinstance(seen, FileRejected):
            return str(seen)
        visited.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    text = str(err)
    for marker in ("gzip stream is", "decompressed content exceeds", "decompression ratio above", "binary content:"):
        if marker in text:
            return text[text.index(marker):].split("\n")[0]
    return None


def _check_bytes(src: Source, sha256: str | None) -> None:
    """The bytes parsed must be the bytes that arrived: a landing copy that changed (or was torn while
    it was made) is refused whole, never staged."""
    if not sha256:
        return
    from lake.backends.storage import sha256_file

    read = src.last.digest() if src.last is not None and src.last.eof else sha256_file(src.path)
    if read != sha256:
        raise FileRejected(f"the bytes read (sha256 {read[:12]}...) are not the bytes that arrived (sha256 "
                           f"{sha256[:12]}...): the file changed while it was being ingested. Write files under a "
                           "temporary name and rename them when complete; the new version is ingested on its own")


def use_jemalloc() -> None:
    """Make jemalloc Arrow's allocator, unless the operator chose one (``ARROW_DEFAULT_MEMORY_POOL``).

    pyarrow's default, mimalloc, keeps freed blocks: streaming 1 GB of CSV through 160 MB of live
    Arrow memory left 700+ MB resident. jemalloc hands them back, and RSS stays flat. It does so
    after a 1 s decay: handing pages back at once (decay 0) made the kernel fault them in again for
    the next batch, 1.44 M page faults and 6.5 s of system time for 1.1 GB of CSV, against 0.73 M
    and 3.2 s with 1 s, at the same peak RSS (414 MB vs 383 MB); 5 s reached 488 MB.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or pa.default_memory_pool().backend_name == "jemalloc":
        return
    with contextlib.suppress(NotImplementedError):  # a pyarrow build without jemalloc keeps its default
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(1000)  # freed pages reused for a second, then handed back


def convert(path: Path, ds: Dataset, lineage: Lineage, staged: Path, rejected_path: Path,
            sha256: str | None = None) -> Result:
    """Stream ``path`` through the contract into ``staged`` (Parquet) and ``rejected_path`` (CSV).
    ``sha256``: the hash of the bytes as they arrived; bytes read that differ reject the file."""
    use_jemalloc()
    try:
        return _convert(path, ds, lineage, staged, rejected_path, serial=False, sha256=sha256)
    except Renumber as again:  # both outputs are rewritten from scratch
        try:
            return _convert(path, ds, lineage, staged, rejected_path, serial=True, sha256=sha256,
                            block_size=again.block_size)
        except Renumber as still:  # rows longer than a block, and malformed ones: serial, big blocks
            return _convert(path, ds, lineage, staged, rejected_path, serial=True, sha256=sha256,
                            block_size=still.block_size or again.block_size)


def _convert(path: Path, ds: Dataset, lineage: Lineage, staged: Path, rejected_path: Path, serial: bool,
             sha256: str | None = None, block_size: int | None = None) -> Result:
    hashes = KeyHashes(ds)  # gathered on the way: no second read for the duplicate-key check
    res = Result(key_hashes=hashes)
    names = [c.name for c in ds.columns] + ([m.name for m in CDC_META] if ds.options.cdc else [])
    rejected = _Rejected(rejected_path, names)
    schema = staging_schema(ds, DICT)
    # Dictionary pages pay off for repetitive text; unique numbers and instants only waste the attempt.
    dictionary = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_dictionary(f.type)]
    writer = StagingWriter(staged, schema, dictionary)
    try:
        if path.stat().st_size == 0:
            raise FileRejected("empty file (0 bytes)")
        head, gz = sniff(path)
        if not head:
            raise FileRejected("empty file (no bytes after decompression)")
        fmt = ds.options.format
        if head[:4] == b"PAR1" and fmt != "parquet":
            raise FileRejected(f"the file is Parquet, but the contract's format is {fmt}")
        enc = ds.options.encoding
        if fmt != "parquet":
            check_text(head, enc)
        src = Source(path, gz, Limits(ds.options.max_decompressed_bytes, ds.options.max_decompression_ratio),
                     text=fmt != "parquet" and "16" not in enc and "32" not in enc)
        src.head = head
        progress.expect(None if gz else path.stat().st_size)
        try:
            read: Callable[..., Iterator[RawBatch]] = READERS[fmt]
            if fmt == "csv" and block_size:  # a row longer than a parse block: blocks that hold it
                read = functools.partial(csv_batches, block_size=block_size)
            for batch in read(src, ds, res.warnings, serial):
                progress.advance(batch.num_rows, src.last.content_bytes if src.last is not None else None)
                table = _process(batch, ds, lineage, res, rejected)
                if table is not None and table.num_rows:
                    writer.write(table)
                    hashes.add(table)
        except FileRejected:
            raise
        except (UnicodeDecodeError, pa.ArrowInvalid, OSError, EOFError, RecursionError) as err:
            guard = _guard_reason(err)
            if guard is not None:  # the guard's own reason, wrapped by pyarrow on its way out
                raise FileRejected(guard) from err
            text = str(err)
            if isinstance(err, UnicodeDecodeError) or "UTF8" in text or "decode" in text.lower():
                raise FileRejected(f"bytes not valid {enc} at {first_bad_bytes(src, enc)} "
                                   f"(declare the file's encoding in the contract)") from err
            raise FileRejected(f"not readable as {fmt}: {type(err).__name__}: {text[:300]}") from err
        _check_bytes(src, sha256)
    except FileRejected as err:
        res.file_reason, res.details = str(err), err.details
    finally:
        writer.close()
        rejected.close()
        res.rejected_written = rejected.writer is not None
    return res
