"""Stream a landed file as batches of raw columns, named by the contract.

Each reader yields ``RawBatch`` es of at most a few MB, so memory never grows with the file.
Whole-file problems raise ``FileRejected`` (with a reason a producer can act on); a row the
reader itself cannot use (a CSV row with the wrong number of fields, a line that is not JSON)
is kept out of the batch and reported as a ``RowError``.
"""

from __future__ import annotations

import codecs
import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from lake.ingest.guard import Source


class FileRejected(Exception):
    """The file as a whole cannot be read under its contract. ``details``: machine-readable facts for
    the report (e.g. the missing and the unknown columns)."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}


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
        except EOFError as err:
            raise FileRejected("gzip stream is truncated: the file ends before the end-of-stream marker "
                               "(was the upload cut short? send it again)") from err
        except OSError as err:
            raise FileRejected(f"gzip stream is corrupt: {err}") from err
    return head, gz


def check_text(head: bytes, encoding: str) -> None:
    """Refuse binary content early, with a hint, before a text parser makes a confusing error of it."""
    if b"\x00" in head and "16" not in encoding and "32" not in encoding:
        hint = " (is it UTF-16? declare the encoding in the contract)" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise FileRejected(f"binary content (NUL bytes), not {encoding} text{hint}")


def first_bad_bytes(src: Source, encoding: str) -> str:
    """Where the text stops being valid in its encoding: 'line N, byte offset B' (error path only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    with src.open() as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                pos, at = offset + err.start, line + chunk[:err.start].count(b"\n")
                return f"line {at}, byte offset {pos}"
            offset, line = offset + len(chunk), line + chunk.count(b"\n")
    return "end of file"
