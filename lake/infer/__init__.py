"""``lake infer FILE --zone Z --dataset D``: draft a data contract from a sample of a file.

The file is sampled, never read whole (the first ``max_bytes`` of its content, the first ``max_rows``
rows); the draft says what the sample shows: format and CSV options (delimiter, quote, escape,
encoding, null markers), types, required columns, candidate keys and likely PII. ``lake validate``
accepts it as written; the steward reviews what only people know.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lake.infer.dialect import InferError
    from lake.infer.draft import Draft

__all__ = ["Draft", "InferError", "infer"]


def __getattr__(name: str) -> Any:
    """Draft and InferError load when used: every ``lake`` command imports ``lake.infer.command`` to build
    its parser, and drafting pulls in pyarrow and pandas (a second of CPU an idle ``lake run`` paid)."""
    if name == "Draft":
        from lake.infer.draft import Draft

        return Draft
    if name == "InferError":
        from lake.infer.dialect import InferError

        return InferError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def infer(path: Path, zone: str, dataset: str, max_rows: int | None = None, max_bytes: int | None = None,
          header: bool = True) -> Draft:
    """``max_rows``: default ``lake.infer.read.DEFAULT_ROWS``."""
    from lake.infer.draft import draft
    from lake.infer.read import DEFAULT_ROWS, read_columns

    return draft(read_columns(path, DEFAULT_ROWS if max_rows is None else max_rows, max_bytes, header), zone, dataset)
