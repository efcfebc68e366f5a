"""Match a file's columns to the contract: case-insensitive, surrounding spaces ignored, any order."""

from __future__ import annotations

from lake.config import Dataset
from lake.ingest.readers import FileRejected

_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


def match_columns(header: list[str], ds: Dataset, warnings: list[str], delimiter: str | None = None) -> dict[str, str]:
    """contract column -> the file's column name. Raises FileRejected when the file cannot fit."""
    by_key: dict[str, str] = {}
    for h in header:
        key = h.strip().lstrip("\ufeff").strip().lower()
        if key in by_key:
            raise FileRejected(f"column '{h.strip()}' appears twice in the header")
        by_key[key] = h
    mapping = {c.name: by_key[c.name.lower()] for c in ds.columns if c.name.lower() in by_key}
    missing = [c.name for c in ds.columns if c.name.lower() not in by_key]
    required = [c for c in missing if ds.column(c) and ds.column(c).required]  # type: ignore[union-attr]
    if required:
        if delimiter and len(header) == 1:  # one column: most likely the wrong delimiter
            found = [name for d, name in _DELIMITERS.items() if d != delimiter and d in header[0]]
            if found:
                raise FileRejected(f"the file looks {found[0]}-delimited, but the contract says '{delimiter}' "
                                   f"(header read as one column: {header[0][:120]})")
        shown = ", ".join(h.strip() for h in header[:12]) + (", ..." if len(header) > 12 else "")
        raise FileRejected(f"required column(s) missing from the header: {', '.join(required)} "
                           f"(header: {shown[:300]})")
    if missing:
        warnings.append(f"optional columns absent, loaded as null: {', '.join(missing)}")
    extra = [h.strip() for k, h in by_key.items() if k not in {c.name.lower() for c in ds.columns}]
    if extra:
        if ds.options.extra_columns == "reject":
            raise FileRejected(f"unexpected column(s): {', '.join(extra)} (contract: extraColumns reject)")
        warnings.append(f"extra columns dropped: {', '.join(extra)}")
    return mapping
