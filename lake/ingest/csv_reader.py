"""CSV: pyarrow's streaming reader, every column read as text, then checked by the contract."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lake.config import Dataset
from lake.ingest.guard import Source
from lake.ingest.header import match_columns
from lake.ingest.readers import FileRejected, RawBatch, RowError

CSV_BLOCK = 2 << 20  # bytes parsed per batch: large enough to amortise kernels, small for RSS


def arrow_encoding(name: str) -> str:
    """pyarrow decodes only 'utf8' natively; any other spelling (even 'utf-8') goes through Python codecs."""
    return "utf8" if codecs.lookup(name).name == "utf-8" else name


def _skip(row: Any) -> str:
    return "skip"


class Renumber(Exception):
    """A malformed row turned up where parallel parsing cannot tell its number: read again, serially.
    ``block_size``: a row is longer than a parse block, so read again with blocks that hold it."""

    def __init__(self, block_size: int | None = None):
        super().__init__()
        self.block_size = block_size


def _longest_line(src: Source) -> int:
    """The longest line's length in bytes, streamed (error path only: memory stays one chunk)."""
    longest = run = 0
    with src.open() as f:
        while chunk := f.read(1 << 20):
            parts = chunk.split(b"\n")
            run += len(parts[0])
            if len(parts) > 1:
                longest = max(longest, run, *(len(p) for p in parts[1:-1]))
                run = len(parts[-1])
    return max(longest, run)


def _straddling(err: Exception, src: Source, block_size: int) -> Exception:
    """A row longer than a parse block: read again, serially, with one block that holds the longest
    line (one row's bytes in memory, not one per thread); a row longer still cannot be told apart."""
    if "straddl" not in str(err):
        return err
    if block_size > CSV_BLOCK:
        return FileRejected(f"a CSV row is longer than {block_size} bytes (an unclosed quote?); rows must "
                            "end with a line break outside quotes")
    return Renumber(_longest_line(src) + CSV_BLOCK)


def _header(src: Source, block_size: int, enc: str, delimiter: str, quote: str) -> list[str]:
    """The header's names: from the sniffed head when it parses (the file is then streamed once),
    else from a stream of its own (a header longer than the head, a quoted value cut at its end)."""
    def probe(source: Any) -> list[str]:
        return pacsv.open_csv(source, read_options=pacsv.ReadOptions(block_size=block_size, encoding=enc),
                              parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quote,
                                                               newlines_in_values=True,
                                                               invalid_row_handler=_skip)).schema.names

    if b"\n" in src.head[:-1]:
        try:
            return probe(pa.BufferReader(src.head))
        except (pa.ArrowInvalid, UnicodeDecodeError):
            pass
    return probe(src.open())


def csv_batches(src: Source, ds: Dataset, warnings: list[str], serial: bool = False,
                block_size: int = CSV_BLOCK) -> Iterator[RawBatch]:
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
    read = pacsv.ReadOptions(block_size=block_size, encoding=enc, use_threads=not serial)
    if opts.header:
        try:
            header = _header(src, block_size, enc, opts.delimiter, opts.quote)
        except pa.ArrowInvalid as err:
            if (again := _straddling(err, src, block_size)) is not err:
                raise again from err
            raise FileRejected(f"not readable as CSV: {err}") from err
        except UnicodeDecodeError as err:
            raise FileRejected(f"not readable as CSV: {err}") from err
        mapping = match_columns(header, ds, warnings, delimiter=opts.delimiter)
    else:
        read.column_names = [c.name for c in ds.columns]
        mapping = {c.name: c.name for c in ds.columns}
    conv = pacsv.ConvertOptions(column_types={h: pa.string() for h in mapping.values()},
                                include_columns=list(mapping.values()), strings_can_be_null=True,
                                null_values=sorted({"", *opts.null_values}), quoted_strings_can_be_null=False)
    try:
        yield from _numbered(pacsv.open_csv(src.open(), read_options=read, parse_options=parse, convert_options=conv),
                             mapping, rejected, skipped, unnumbered)
    except pa.ArrowInvalid as err:
        if (again := _straddling(err, src, block_size)) is not err:
            raise again from err
        raise


def _numbered(reader: Any, mapping: dict[str, str], rejected: list[RowError], skipped: list[int],
              unnumbered: list[bool]) -> Iterator[RawBatch]:
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
