"""Keys that appear more than once in one file: counted and shown with their row numbers.

Found in bounded memory, without a second read in the common case: while the file is converted,
each staged batch's key is hashed to one 64-bit integer (``KeyHashes``: 8 bytes a row, never the
keys or the rows). Once the file is written, the hashes are sorted; no hash seen twice means no
duplicate key, and that is the end of it. Only when some hash repeats is the staged Parquet read
back, the key columns and ``_row_number`` of just the rows with such a hash kept, and those grouped
exactly (a hash collision between different keys is then told apart and not counted).

The contract's ``duplicateKeys`` decides what happens: ``latest`` (the default; the promotion keeps
the later row, or the one with the greater ``latestWins`` value) or ``quarantine`` (the whole file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lake.config import Dataset

EXAMPLES = 5
RANGES = 16  # the hashes are merged in this many ranges of values (a power of two)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads one column's hash before the next is folded in
_NULL = np.uint64(0x6A09E667F3BCC909)  # the hash of a missing key value (nulls group together)


@dataclass
class Duplicates:
    keys: int = 0  # distinct keys that appear more than once
    rows: int = 0  # rows beyond the first of each such key
    examples: list[dict] = field(default_factory=list)  # {"key": {column: value}, "rows": [row numbers]}

    def describe(self) -> str:
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in e["key"].items()) + " at rows "
                          + ", ".join(map(str, e["rows"])) for e in self.examples)
        return f"{self.keys} key(s) appear more than once in the file ({self.rows} extra row(s)), e.g. {shown}"

    def as_report(self, policy: str) -> dict:
        return {"keys": self.keys, "extra_rows": self.rows, "policy": policy, "examples": self.examples}


def checked_keys(ds: Dataset) -> list[str]:
    """The columns whose repeats are reported; none for CDC files (many changes per key are their point)."""
    return [] if ds.options.cdc else list(ds.primary_key)


def _column_hash(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """One uint64 per value, equal for equal values of the same column type, whatever the batch."""
    t = col.type
    if pa.types.is_integer(t) or pa.types.is_temporal(t) or pa.types.is_boolean(t):
        if pa.types.is_date(t) or pa.types.is_time(t):  # date32/time32 cast to int64 through their width
            col = pc.cast(col, pa.int32() if t.bit_width == 32 else pa.int64())
        ints = pc.cast(col, pa.int64()).fill_null(0)
        values = pd.util.hash_array(np.asarray(ints).view(np.uint64))
    else:  # text, decimals, anything else: by its text (decimals of one scale print alike)
        values = pd.util.hash_array(np.asarray(pc.cast(col, pa.string()).fill_null(""), dtype=object),
                                    categorize=False)
    if col.null_count:
        values = np.where(np.asarray(col.is_valid()), values, _NULL)
    return values


def hash_keys(table: pa.Table, keys: list[str]) -> np.ndarray:
    out: np.ndarray | None = None
    for name in keys:
        h = _column_hash(table.column(name))
        out = h if out is None else (out * _MIX) ^ h  # uint64 arithmetic wraps, as a hash wants
    assert out is not None
    return out


class KeyHashes:
    """The key hashes of every staged row, gathered batch by batch while the file is written."""

    def __init__(self, ds: Dataset):
        self.keys = checked_keys(ds)
        self._parts: list[np.ndarray] = []

    def add(self, table: pa.Table) -> None:
        if self.keys and table.num_rows:
            self._parts.append(np.sort(hash_keys(table, self.keys)))  # sorted runs: the final sort merges them

    def repeated(self) -> np.ndarray:
        """The hashes seen more than once (sorted, distinct); empty in the common case.

        Merged one range of hash values at a time (each sorted part holds it as one slice), so the
        merge needs 1/``RANGES`` of the hashes' memory on top of them, not a second copy."""
        parts, self._parts = self._parts, []
        found = [np.empty(0, np.uint64)]
        if not parts:
            return found[0]
        step = 1 << (64 - (RANGES - 1).bit_length())  # RANGES equal ranges of the 64-bit values
        bounds = [np.uint64(i * step) for i in range(1, RANGES)]
        cuts: list[list[int]] = [[0] * len(parts), *([int(np.searchsorted(p, b)) for p in parts] for b in bounds),
                                 [len(p) for p in parts]]  # where each range starts in each sorted part
        for lo, hi in pairwise(cuts):
            run = np.concatenate([p[a:b] for p, a, b in zip(parts, lo, hi, strict=True)])
            run.sort(kind="stable")  # timsort: merges the per-batch sorted runs
            found.append(np.unique(run[1:][run[1:] == run[:-1]]))
        return np.concatenate(found)


def find(staged: Path, ds: Dataset, hashes: KeyHashes | None = None) -> Duplicates:
    """The duplicate keys of a staged file. ``hashes``: gathered while it was written (else they are
    computed here, reading the key columns batch by batch)."""
    keys = checked_keys(ds)
    if not keys or not staged.exists() or staged.stat().st_size == 0:
        return Duplicates()
    if hashes is None:
        hashes = KeyHashes(ds)
        for batch in pq.ParquetFile(staged).iter_batches(columns=keys):
            hashes.add(pa.Table.from_batches([batch]))
    suspects = hashes.repeated()
    if len(suspects) == 0:
        return Duplicates()
    return _exact(_rows_with(staged, keys, suspects), keys)


def _rows_with(staged: Path, keys: list[str], suspects: np.ndarray) -> pa.Table:
    """The key columns and row numbers of the staged rows whose key hash is a suspect."""
    parts = []
    for batch in pq.ParquetFile(staged).iter_batches(columns=[*keys, "_row_number"]):
        table = pa.Table.from_batches([batch])
        mask = np.isin(hash_keys(table, keys), suspects, assume_unique=False)
        if mask.any():
            parts.append(table.filter(pa.array(mask)))
    return pa.concat_tables(parts)


def _exact(table: pa.Table, keys: list[str]) -> Duplicates:
    counts = table.group_by(keys).aggregate([("_row_number", "count")])
    dup = counts.filter(pc.greater(counts["_row_number_count"], 1))
    if dup.num_rows == 0:  # only hash collisions
        return Duplicates()
    extra = pc.sum(dup["_row_number_count"]).as_py() - dup.num_rows
    first = table.join(dup.slice(0, EXAMPLES).select(keys), keys, join_type="inner")
    rows = first.group_by(keys).aggregate([("_row_number", "list")]).sort_by([(k, "ascending") for k in keys])
    examples: list[dict] = [{"key": {k: _plain(r[k]) for k in keys}, "rows": sorted(r["_row_number_list"])[:10]}
                            for r in rows.to_pylist()]
    examples.sort(key=lambda e: int(e["rows"][0]))
    return Duplicates(dup.num_rows, int(extra), examples)


def _plain(value: object) -> object:
    """A key value as JSON shows it (dates, decimals as text)."""
    return value if isinstance(value, (int, str, float, bool)) or value is None else str(value)
