"""What a raw file rewrite works with, shared by the text (``raw``) and Parquet (``parquet``) rewriters:
how to read the file (``Layout``), what was removed (``Rewrite``), and scratch space."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lake.config import Dataset

Format = Literal["csv", "jsonl", "parquet", "lines"]


@dataclass(frozen=True)
class Layout:
    """How to read one raw file: its format and dialect, and which columns name the subject."""

    format: Format
    subject_columns: frozenset[str] = frozenset()  # lower-case column names
    encoding: str = "utf-8"
    delimiter: str = ","
    quote: str = '"'
    escape: str | None = None
    header: bool = True
    columns: tuple[str, ...] = ()  # the contract's column order, for CSV without a header
    cdc: bool = False

    @classmethod
    def of(cls, ds: Dataset | None, kind: str, filename: str) -> Layout:
        """The layout of a file of ``ds`` (None: unroutable, guessed from the file name)."""
        if ds is None:
            name = filename.lower().removesuffix(".gz")
            fmt: Format = ("parquet" if name.endswith(".parquet") else "jsonl" if name.endswith((".jsonl", ".ndjson"))
                           else "csv" if name.endswith((".csv", ".tsv", ".txt")) else "lines")
            return cls(fmt, delimiter="\t" if name.endswith(".tsv") else ",")
        o = ds.options
        return cls(o.format, frozenset(c.name.lower() for c in ds.subject_columns(kind)), o.encoding,
                   o.csv.delimiter, o.csv.quote, o.csv.escape, o.csv.header, tuple(c.name for c in ds.columns),
                   o.cdc is not None)


@dataclass
class Rewrite:
    rows: int = 0  # data rows read
    removed: int = 0
    removed_rows: list[int] = field(default_factory=list)  # 1-based row numbers, as the validator numbers them
    removed_keys: list[dict[str, Any]] = field(default_factory=list)  # ``keys`` columns of removed rows (Parquet)
    spellings: set[str] = field(default_factory=set)  # exact values of the subject's columns in removed rows


def is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


@contextmanager
def scratch(prefix: str = "lake-erase-") -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
