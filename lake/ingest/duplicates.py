"""Keys that appear more than once in one file: counted and shown with their row numbers.

Read back from the staged Parquet (the key columns and ``_row_number`` only) once the file is
converted, so the streaming conversion stays as it is and memory holds the keys, never the rows.
The contract's ``duplicateKeys`` decides what happens: ``latest`` (the default; the promotion keeps
the later row, or the one with the greater ``latestWins`` value) or ``quarantine`` (the whole file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from lake.config import Dataset

EXAMPLES = 5


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


def find(staged: Path, ds: Dataset) -> Duplicates:
    """The duplicate keys of a staged file; none for CDC files (many changes per key are their point)."""
    keys = ds.primary_key
    if ds.options.cdc or not keys or not staged.exists() or staged.stat().st_size == 0:
        return Duplicates()
    table = pq.read_table(staged, columns=[*keys, "_row_number"])
    if table.num_rows < 2:
        return Duplicates()
    if table.group_by(keys).aggregate([]).num_rows == table.num_rows:  # the common case, and the cheaper query
        return Duplicates()
    counts = table.group_by(keys).aggregate([("_row_number", "count")])
    dup = counts.filter(pc.greater(counts["_row_number_count"], 1))
    if dup.num_rows == 0:
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

