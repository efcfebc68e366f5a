"""``lake infer FILE --zone Z --dataset D``: draft a data contract from a sample of a file.

The file is sampled, never read whole (the first ``max_bytes`` of its content, the first ``max_rows``
rows); the draft says what the sample shows: format and CSV options (delimiter, quote, escape,
encoding, null markers), types, required columns, candidate keys and likely PII. ``lake validate``
accepts it as written; the steward reviews what only people know.
"""

from __future__ import annotations

from pathlib import Path

from lake.infer.dialect import InferError
from lake.infer.draft import Draft, draft
from lake.infer.read import DEFAULT_ROWS, read_columns

__all__ = ["Draft", "InferError", "infer"]


def infer(path: Path, zone: str, dataset: str, max_rows: int = DEFAULT_ROWS, max_bytes: int | None = None,
          header: bool = True) -> Draft:
    return draft(read_columns(path, max_rows, max_bytes, header), zone, dataset)
