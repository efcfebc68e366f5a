"""Candidate keys: columns (or pairs) unique and never null in the sample, proposed for review, never more.

A sample proves only that a key *may* hold: uniqueness in 10,000 rows says nothing about the next
file. So a key is proposed only when the sample shows it, names that look like identifiers come first,
and a column of floats, booleans or free text longer than an identifier is never proposed.
"""

from __future__ import annotations

import itertools
import re

_ID_NAME = re.compile(r"(^|_)(id|key|code|number|no|uuid|guid)$|^id_|id$")
_KEY_TYPES = ("bigint", "string", "date", "timestamp")
MAX_PAIR_COLUMNS = 25  # pairs among the first columns only: enough for real keys, bounded work


def _rank(name: str, physical: str) -> tuple[int, int]:
    return (0 if _ID_NAME.search(name.lower()) else 1, _KEY_TYPES.index(physical))


def candidate_keys(columns: dict[str, list[str | None]], types: dict[str, str], rows: int) -> list[tuple[str, ...]]:
    """Single columns first, then pairs (only when no single column is a key), best first."""
    if rows < 2:
        return []
    usable = [c for c in columns if types[c] in _KEY_TYPES and None not in columns[c]
              and max(len(v or "") for v in columns[c]) <= 64]
    usable.sort(key=lambda c: _rank(c, types[c]))
    # a date or a time alone is unique in a small sample by chance: only as part of a pair
    singles: list[tuple[str, ...]] = [(c,) for c in usable if types[c] in ("bigint", "string")
                                      and len(set(columns[c])) == rows]
    if singles:
        return singles
    pairs: list[tuple[str, ...]] = []
    for a, b in itertools.combinations(usable[:MAX_PAIR_COLUMNS], 2):
        if len(set(zip(columns[a], columns[b], strict=True))) == rows:
            pairs.append((a, b))
    return pairs
