"""Which rows of an Iceberg table are the subject's: a Spark SQL predicate, built purely from facts.

A row is the subject's when
- a subject column stores the value: hashed columns as the zone's HMAC of any spelling seen,
  plain columns as the trimmed (case-folded) value;
- its (ingest, key) is one of the subject's rows found in staging: the way to find rows whose
  subject column was masked or dropped on the way to ODS, and quarantined rows by row number;
- (distinctive kinds, e-mail addresses) any other text column mentions the value.
"""

from __future__ import annotations

from collections.abc import Iterable

SEP = "\x1f"  # joins a key's parts; chr(31) in Spark SQL


def sql_string(value: str) -> str:
    """A Spark SQL string literal (backslash escapes, the default parser setting)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def key_expr(columns: Iterable[str]) -> str:
    return "concat_ws(chr(31), " + ", ".join(f"CAST(`{c}` AS STRING)" for c in columns) + ")"


def key_text(values: Iterable[object]) -> str:
    return SEP.join(str(v) for v in values)


def _in(expr: str, values: Iterable[str]) -> str:
    return f"{expr} IN ({', '.join(sql_string(v) for v in sorted(values))})"


def predicate(*, columns: dict[str, str], treatments: dict[str, str | None], hashes: set[str], value: str,
              fold_case: bool, key_columns: list[str], keys: set[str], pattern: str | None) -> str | None:
    """SQL true for the subject's rows of a table with ``columns`` (name -> Spark simple type).

    ``treatments``: the dataset's subject columns and their PII treatment (None: stored as is).
    ``key_columns``/``keys``: the subject's staged rows, as ``key_text`` of those columns.
    ``pattern``: the mention pattern (distinctive kinds), for the other text columns.
    Returns None when nothing in the table could be the subject's.
    """
    parts = []
    protected = {c for c, how in treatments.items() if how in ("hash", "mask")}
    for name, how in treatments.items():
        if name not in columns:
            continue  # dropped on the way to ODS, or a side table without it
        if how == "hash":
            parts.append(_in(f"`{name}`", hashes))
        elif how is None:
            stored = f"trim(CAST(`{name}` AS STRING))"
            parts.append(f"{'lower(' + stored + ')' if fold_case else stored} = {sql_string(value)}")
        # mask / drop: the stored value no longer says whose row it is: found by key below
    if keys and key_columns and all(c in columns for c in key_columns):
        parts.append(_in(key_expr(key_columns), keys))
    if pattern:
        parts += [f"`{name}` RLIKE {sql_string(pattern)}" for name, typ in columns.items()
                  if typ == "string" and name not in protected]
    return " OR ".join(f"({p})" for p in parts) or None
