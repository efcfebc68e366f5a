"""Match a file's columns to the contract: case-insensitive, surrounding spaces ignored, any order.

Schema drift never erases data: a missing required column rejects the file, naming the header's
unknown column that most resembles it ("did you mean"); a missing optional column is recorded, and
the promotion then leaves its ODS values alone (contract ``absentColumns: keep``, the default).
"""

from __future__ import annotations

import difflib

from lake.config import Dataset
from lake.ingest.readers import FileRejected

_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


def _abbreviates(short: str, long: str) -> bool:
    """``qty`` for ``quantity``, ``id`` for ``ident``: same first letter, the short name's letters in order."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def did_you_mean(missing: list[str], unknown: list[str]) -> dict[str, str]:
    """missing column -> the unknown header name that most resembles it (difflib), or that one abbreviates
    the other (a renamed ``qty`` -> ``quantity`` is as likely as a typo), where one does."""
    out: dict[str, str] = {}
    for name in missing:
        lowered = [u.lower() for u in unknown]
        close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.6) or [
            u for u in lowered if _abbreviates(name.lower(), u) or _abbreviates(u, name.lower())][:1]
        if close:
            out[name] = next(u for u in unknown if u.lower() == close[0])
    return out


def _named(columns: list[str], guesses: dict[str, str]) -> str:
    return ", ".join(f"{c} (did you mean '{guesses[c]}'?)" if c in guesses else c for c in columns)


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
    extra = [h.strip().lstrip("\ufeff").strip() for k, h in by_key.items()
             if k not in {c.name.lower() for c in ds.columns}]
    guesses = did_you_mean(missing, extra)
    if required:
        if delimiter and len(header) == 1:  # one column: most likely the wrong delimiter
            found = [name for d, name in _DELIMITERS.items() if d != delimiter and d in header[0]]
            if found:
                raise FileRejected(f"the file looks {found[0]}-delimited, but the contract says '{delimiter}' "
                                   f"(header read as one column: {header[0][:120]})")
        shown = ", ".join(h.strip() for h in header[:12]) + (", ..." if len(header) > 12 else "")
        unknown = f"; unknown column(s): {', '.join(extra)[:300]}" if extra else ""
        raise FileRejected(f"required column(s) missing from the header: {_named(required, guesses)}{unknown} "
                           f"(header: {shown[:300]})",
                           {"missing_columns": required, "unknown_columns": extra,
                            "did_you_mean": {c: g for c, g in guesses.items() if c in required}})
    if missing:
        effect = ("loaded as null, and set to null in ODS on update (contract: absentColumns set_null)"
                  if ds.options.absent_columns == "set_null" else "ODS keeps their current values on update")
        warnings.append(f"optional column(s) absent from the file: {_named(missing, guesses)}; {effect}")
        order = ds.options.latest_wins
        if order in missing:  # null never wins the ordering: such rows only add new keys
            warnings.append(f"the latestWins column {order} is absent: this file's rows add new keys but update "
                            f"no existing row (except rows whose {order} is null)")
    if extra:
        if ds.options.extra_columns == "reject":
            raise FileRejected(f"unexpected column(s): {', '.join(extra)} (contract: extraColumns reject)",
                               {"unknown_columns": extra, "did_you_mean": guesses})
        warnings.append(f"extra columns dropped: {', '.join(extra)}")
    return mapping
