"""Raw values -> the contract's types, vectorised in Arrow, one column at a time.

Every converter first tries Arrow's own cast of the whole array (the common, all-good case
costs one C++ pass). Only when that fails does it work out *which* values are bad, still with
Arrow kernels: a regular expression sorts out malformed text, and whatever still fails to
cast (a 20-digit bigint, 02/30/2024) is found by bisecting the array, which is cheap because
such values are rare. The result is the typed column (null where bad) and one message per
bad value; blank values are null, which only a required column turns into an error.
"""

from __future__ import annotations

import itertools

import pyarrow as pa
import pyarrow.compute as pc

from lake.config import Column, ColumnType
from lake.ingest import temporal
from lake.ingest.kernels import NULL_STR, Coerced, bisect_cast, clean, messages, try_cast, where

MISSING = "required value is missing"
TRUE, FALSE = pa.array(["true", "yes", "1"]), pa.array(["false", "no", "0"])
_INT_RE = r"^[+-]?\d+$"
_NUM_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_FLOAT_RE = _NUM_RE[:-1] + r"|^[+-]?(?i:nan|inf|infinity)$"


def _integer(raw: pa.Array, t: ColumnType) -> Coerced:
    target = t.arrow
    if (fast := try_cast(raw, target)) is not None:
        return Coerced(fast)
    s = clean(raw)
    syntax = pc.match_substring_regex(s, _INT_RE)
    digits = pc.utf8_length(pc.replace_substring_regex(s, r"^[+-]?0*", ""))
    huge = pc.and_kleene(syntax, pc.greater(digits, 19))
    # "+3" is 3, as Athena's CAST and DuckDB's CSV reader read it; Arrow's integer cast refuses the "+"
    unsigned = pc.replace_substring_regex(s, r"^\+", "")
    cand = where(unsigned, pc.and_kleene(syntax, pc.invert(huge)))
    wide, overflow = bisect_cast(cand, pa.int64())
    bits = t.int_bits or 64
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    out_of_range = pc.or_kleene(pc.or_kleene(huge, overflow), pc.or_kleene(pc.less(wide, lo), pc.greater(wide, hi)))
    values = pc.cast(where(wide, pc.invert(pc.fill_null(out_of_range, False))), target)
    return Coerced(values, messages((pc.invert(syntax), "not an integer"),
                                     (out_of_range, f"out of range for {t.sql} ({lo}..{hi})")))


def _decimal(raw: pa.Array, t: ColumnType) -> Coerced:
    target = t.arrow
    if (fast := try_cast(raw, target)) is not None:
        return Coerced(fast)
    s = clean(raw)
    syntax = pc.match_substring_regex(s, _NUM_RE)
    frac = r"\.\d*[1-9]" if t.scale == 0 else rf"\.\d{{{t.scale}}}\d*[1-9]"
    too_fine = pc.match_substring_regex(s, frac + r"\d*$")
    too_big = pc.match_substring_regex(s, rf"^[+-]?0*[1-9]\d{{{t.precision - t.scale}}}")
    ok = pc.and_kleene(syntax, pc.invert(pc.or_kleene(too_fine, too_big)))
    values, unfit = bisect_cast(where(s, ok), target)
    return Coerced(values, messages(
        (pc.invert(syntax), "not a decimal number"),
        (too_fine, f"more than {t.scale} decimal places for {t.sql}"),
        (too_big, f"too many digits for {t.sql}"), (unfit, f"does not fit {t.sql}")))


def _float(raw: pa.Array, t: ColumnType) -> Coerced:
    if (fast := try_cast(raw, t.arrow)) is not None:
        return Coerced(fast)
    s = clean(raw)
    syntax = pc.match_substring_regex(s, _FLOAT_RE)
    values, unfit = bisect_cast(where(s, syntax), t.arrow)
    return Coerced(values, messages((pc.or_kleene(pc.invert(syntax), unfit), "not a number")))


def _casings(*words: str) -> pa.Array:
    """Every upper/lower-case spelling of the words (true: 16 of them), for a plain hash lookup."""
    spellings = {"".join(p) for w in words for p in itertools.product(*({c.lower(), c.upper()} for c in w))}
    return pa.array(sorted(spellings))


TRUE_ANY_CASE, FALSE_ANY_CASE = _casings("true", "yes", "1"), _casings("false", "no", "0")


def _boolean(raw: pa.Array, t: ColumnType) -> Coerced:
    yes, no = pc.is_in(raw, TRUE_ANY_CASE), pc.is_in(raw, FALSE_ANY_CASE)  # hash lookups, no lower-casing
    if pc.sum(yes).as_py() + pc.sum(no).as_py() + raw.null_count == len(raw):
        return Coerced(pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_()))))
    s = pc.utf8_lower(clean(raw))
    yes, no = pc.is_in(s, TRUE), pc.is_in(s, FALSE)
    values = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
    bad = pc.and_kleene(pc.is_valid(s), pc.invert(pc.or_kleene(yes, no)))
    return Coerced(values, messages((bad, "not a boolean (true/false/yes/no/1/0)")))


def _string(raw: pa.Array) -> Coerced:
    return Coerced(raw if raw.type == pa.string() else pc.cast(raw, pa.string()))


def _from_typed(raw: pa.Array, column: Column, tz: str) -> Coerced | None:
    """A typed source column (Parquet): cast exactly when Arrow can, else None (go via text)."""
    target = column.type.arrow
    if pa.types.is_timestamp(raw.type) and pa.types.is_timestamp(target) and raw.type.tz is None:
        raw = pc.assume_timezone(raw, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    if pa.types.is_floating(raw.type) and pa.types.is_decimal(target):
        return None  # exact decimals never come from a binary float: go via its shortest text
    out = try_cast(raw, target)
    return Coerced(out) if out is not None else None


def coerce(raw: pa.Array, column: Column, tz: str = "UTC", required: pa.Array | None = None) -> Coerced:
    """Convert one column. ``required`` narrows where a missing value is an error (CDC deletes)."""
    name = column.type.name
    typed = raw.type not in (pa.string(), pa.large_string(), pa.null())
    result = _from_typed(raw, column, tz) if typed else None
    if result is None:
        text = pc.cast(raw, pa.string()) if raw.type != pa.string() else raw
        if name == "string":
            result = _string(text)
        elif column.type.int_bits:
            result = _integer(text, column.type)
        elif name == "decimal":
            result = _decimal(text, column.type)
        elif name in ("float", "double"):
            result = _float(text, column.type)
        elif name == "boolean":
            result = _boolean(text, column.type)
        elif name == "date":
            result = temporal.date(text, column.type, column.input_format)
        else:
            result = temporal.timestamp(text, column.type, tz)
    if column.required:
        missing = pc.is_null(result.values)
        if name == "string":  # empty or only whitespace is missing too
            blank = pc.or_kleene(pc.equal(pc.binary_length(result.values), 0), pc.utf8_is_space(result.values))
            missing = pc.or_kleene(missing, pc.fill_null(blank, False))
        if result.errors is not None:
            missing = pc.and_kleene(missing, pc.is_null(result.errors))
        if required is not None:
            missing = pc.and_kleene(missing, required)
        if pc.any(missing).as_py():
            result.errors = pc.coalesce(result.errors if result.errors is not None else pa.nulls(len(raw), pa.string()),
                                        pc.if_else(missing, pa.scalar(MISSING), NULL_STR))
    return result
