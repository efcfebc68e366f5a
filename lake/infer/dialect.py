"""How a delimited text file is written: delimiter, quote, escape and the markers it writes for "no value".

The delimiter is the candidate that splits the first lines (parsed with their quotes) into the same
number of fields, most often and into the most fields. The rows are then parsed by pyarrow, the
reader ingestion uses, every column as text, so what is inferred is what ingestion will read.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv

DELIMITERS = (",", ";", "\t", "|")
# What R (NA), databases (NULL, \N: MySQL/PostgreSQL COPY), pandas (NaN, None, N/A) write for a missing value.
NULL_MARKERS = ("NA", "N/A", "NULL", "null", "\\N", "None", "NaN", "nan", "#N/A", "-")
UNAMBIGUOUS = {"NULL", "\\N", "#N/A"}  # never a real value; the others are when their column is text


class InferError(ValueError):
    """The sample cannot be read as the format it seems to be; the message says why."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quote: str
    escape: str | None
    header: bool


def sniff(text: str, header: bool = True) -> Dialect:
    lines = text.splitlines(keepends=True)[:200]
    head = "".join(lines)
    if not head.strip():
        raise InferError("the file is empty: nothing to infer from")
    quote = '"'
    if "'" in head and not re.search(r'(^|[,;\t|])"', head, re.M) and re.search(r"(^|[,;\t|])'", head, re.M):
        quote = "'"
    escape = "\\" if f"\\{quote}" in head else None
    best: tuple[float, int, str] | None = None
    for d in DELIMITERS:
        rows = list(csv.reader(io.StringIO(head), delimiter=d, quotechar=quote, escapechar=escape))
        rows = [r for r in rows if r][:-1] or [r for r in rows if r]  # the last line may be cut
        counts = Counter(len(r) for r in rows)
        width, n = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (n / len(rows), width, d)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None:
        return Dialect(",", quote, escape, header)  # one column: any delimiter reads it
    return Dialect(best[2], quote, escape, header)


def parse(text: str, dialect: Dialect, max_rows: int) -> tuple[list[str], pa.Table]:
    """(the header's names, the first ``max_rows`` rows, every value as text; blank and null markers kept)."""
    data = text.encode("utf-8")
    read = pacsv.ReadOptions(use_threads=False, autogenerate_column_names=not dialect.header)
    opts = pacsv.ParseOptions(delimiter=dialect.delimiter, quote_char=dialect.quote,
                              escape_char=dialect.escape or False, newlines_in_values=True)
    try:
        names = pacsv.open_csv(pa.BufferReader(data), read_options=read, parse_options=opts).schema.names
        conv = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                    null_values=[], quoted_strings_can_be_null=False)
        reader = pacsv.open_csv(pa.BufferReader(data), read_options=read, parse_options=opts, convert_options=conv)
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows >= max_rows:
                break
    except pa.ArrowInvalid as err:
        raise InferError(f"not readable as CSV with delimiter {dialect.delimiter!r}: {err}") from err
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, max_rows)
    if not dialect.header:
        names = [f"column_{i + 1}" for i in range(len(names))]
        table = table.rename_columns(names)
    return names, table


def null_markers(values: dict[str, list[str]], text_columns: set[str]) -> list[str]:
    """The null markers the sample uses: one found in a column whose other values are not text (so it is a
    placeholder, not a value), or one that is never a real value (``NULL``, ``\\N``)."""
    found = []
    for marker in NULL_MARKERS:
        cols = [c for c, vs in values.items() if marker in vs]
        if cols and (marker in UNAMBIGUOUS or any(c not in text_columns for c in cols)):
            found.append(marker)
    return found
