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
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from lake.config import Column, ColumnType

MISSING = "required value is missing"
NULL_STR = pa.scalar(None, pa.string())
TRUE, FALSE = pa.array(["true", "yes", "1"]), pa.array(["false", "no", "0"])
_INT_RE = r"^[+-]?\d+$"
_NUM_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_FLOAT_RE = _NUM_RE[:-1] + r"|^[+-]?(?i:nan|inf|infinity)$"
_TS_RE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
_TS_OFFSET_RE = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$"


@dataclass
class Coerced:
    values: pa.Array
    errors: pa.Array | None = None  # string message per row; null where the value is fine

    @property
    def bad(self) -> pa.Array | None:
        return None if self.errors is None else pc.is_valid(self.errors)


def _try_cast(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(arr, t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _bisect_cast(arr: pa.Array, t: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """Cast what casts; return (values, mask of the values that would not)."""
    chunks: list[pa.Array] = []
    bad: list[int] = []

    def go(part: pa.Array, offset: int) -> None:
        out = _try_cast(part, t)
        if out is not None:
            chunks.append(out)
        elif len(part) == 1:
            chunks.append(pa.nulls(1, t))
            bad.append(offset)
        else:
            mid = len(part) // 2
            go(part.slice(0, mid), offset)
            go(part.slice(mid), offset + mid)

    go(arr, 0)
    values = pa.concat_arrays(chunks) if len(chunks) > 1 else chunks[0]
    mask = pc.is_in(pa.array(range(len(arr)), pa.int64()), pa.array(bad, pa.int64()))
    return values, mask


def _clean(raw: pa.Array) -> pa.Array:
    """Trimmed text, with blank values made null (a blank number is a missing number)."""
    s = pc.utf8_trim_whitespace(raw)
    return pc.if_else(pc.equal(pc.binary_length(s), 0), NULL_STR, s)


def _where(arr: pa.Array, mask: pa.Array) -> pa.Array:
    return pc.if_else(pc.fill_null(mask, False), arr, pa.scalar(None, arr.type))


def _messages(*pairs: tuple[pa.Array, str]) -> pa.Array | None:
    """One message per row from (mask, message) pairs; the first matching pair wins."""
    out = None
    for mask, msg in reversed(pairs):
        fallback = out if out is not None else NULL_STR
        out = pc.if_else(pc.fill_null(mask, False), pa.scalar(msg), fallback)
    if out is None or out.null_count == len(out):
        return None
    return out


def _integer(raw: pa.Array, t: ColumnType) -> Coerced:
    target = t.arrow
    if (fast := _try_cast(raw, target)) is not None:
        return Coerced(fast)
    s = _clean(raw)
    syntax = pc.match_substring_regex(s, _INT_RE)
    digits = pc.utf8_length(pc.replace_substring_regex(s, r"^[+-]?0*", ""))
    huge = pc.and_kleene(syntax, pc.greater(digits, 19))
    cand = _where(s, pc.and_kleene(syntax, pc.invert(huge)))
    wide, overflow = _bisect_cast(cand, pa.int64())
    bits = t.int_bits or 64
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    out_of_range = pc.or_kleene(pc.or_kleene(huge, overflow), pc.or_kleene(pc.less(wide, lo), pc.greater(wide, hi)))
    values = pc.cast(_where(wide, pc.invert(pc.fill_null(out_of_range, False))), target)
    return Coerced(values, _messages((pc.invert(syntax), "not an integer"),
                                     (out_of_range, f"out of range for {t.sql} ({lo}..{hi})")))


def _decimal(raw: pa.Array, t: ColumnType) -> Coerced:
    target = t.arrow
    if (fast := _try_cast(raw, target)) is not None:
        return Coerced(fast)
    s = _clean(raw)
    syntax = pc.match_substring_regex(s, _NUM_RE)
    frac = r"\.\d*[1-9]" if t.scale == 0 else rf"\.\d{{{t.scale}}}\d*[1-9]"
    too_fine = pc.match_substring_regex(s, frac + r"\d*$")
    too_big = pc.match_substring_regex(s, rf"^[+-]?0*[1-9]\d{{{t.precision - t.scale}}}")
    ok = pc.and_kleene(syntax, pc.invert(pc.or_kleene(too_fine, too_big)))
    values, unfit = _bisect_cast(_where(s, ok), target)
    return Coerced(values, _messages(
        (pc.invert(syntax), "not a decimal number"),
        (too_fine, f"more than {t.scale} decimal places for {t.sql}"),
        (too_big, f"too many digits for {t.sql}"), (unfit, f"does not fit {t.sql}")))


def _float(raw: pa.Array, t: ColumnType) -> Coerced:
    if (fast := _try_cast(raw, t.arrow)) is not None:
        return Coerced(fast)
    s = _clean(raw)
    syntax = pc.match_substring_regex(s, _FLOAT_RE)
    values, unfit = _bisect_cast(_where(s, syntax), t.arrow)
    return Coerced(values, _messages((pc.or_kleene(pc.invert(syntax), unfit), "not a number")))


def _casings(*words: str) -> pa.Array:
    return pa.array(sorted({"".join(p) for w in words for p in itertools.product(*({c.lower(), c.upper()} for c in w))}))


TRUE_ANY_CASE, FALSE_ANY_CASE = _casings("true", "yes", "1"), _casings("false", "no", "0")


def _boolean(raw: pa.Array, t: ColumnType) -> Coerced:
    yes, no = pc.is_in(raw, TRUE_ANY_CASE), pc.is_in(raw, FALSE_ANY_CASE)  # hash lookups, no lower-casing
    if pc.sum(yes).as_py() + pc.sum(no).as_py() + raw.null_count == len(raw):
        return Coerced(pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_()))))
    s = pc.utf8_lower(_clean(raw))
    yes, no = pc.is_in(s, TRUE), pc.is_in(s, FALSE)
    values = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
    bad = pc.and_kleene(pc.is_valid(s), pc.invert(pc.or_kleene(yes, no)))
    return Coerced(values, _messages((bad, "not a boolean (true/false/yes/no/1/0)")))


_DATE_TOKENS = {"yyyy": r"(?P<y>\d{4})", "MM": r"(?P<m>\d{1,2})", "M": r"(?P<m>\d{1,2})",
                "dd": r"(?P<d>\d{1,2})", "d": r"(?P<d>\d{1,2})"}


def date_regex(fmt: str) -> str | None:
    """A Java/Spark date pattern (``MM/dd/yyyy``) as an RE2 pattern with y/m/d groups."""
    parts = re.findall(r"yyyy|MM|M|dd|d|[A-Za-z]+|[^A-Za-z]+", fmt)
    out = []
    for p in parts:
        if p in _DATE_TOKENS:
            out.append(_DATE_TOKENS[p])
        elif p.isalpha():
            return None  # a token we do not translate (e.g. MMM): unsupported format
        else:
            out.append(re.escape(p))
    pattern = "^" + "".join(out) + "$"
    return pattern if all(g in pattern for g in ("<y>", "<m>", "<d>")) else None


_STRPTIME = {"yyyy": "%Y", "MM": "%m", "M": "%m", "dd": "%d", "d": "%d"}


def _strptime_format(fmt: str) -> str | None:
    parts = re.findall(r"yyyy|MM|M|dd|d|[A-Za-z]+|[^A-Za-z%]+|%", fmt)
    if any(p.isalpha() and p not in _STRPTIME for p in parts) or "%" in parts:
        return None
    return "".join(_STRPTIME.get(p, p) for p in parts)


def _date(raw: pa.Array, t: ColumnType, fmt: str | None) -> Coerced:
    """Dates: Arrow's strptime for speed, the strict path for whatever it may have got wrong.

    strptime rolls 02/30 over to 03/01 and takes a 2-digit year as year 24, so a result on
    day 1-3 or before year 1000 (and every value it refused) is re-read strictly.
    """
    iso = fmt in (None, "yyyy-MM-dd")
    if iso and (fast := _try_cast(raw, pa.date32())) is not None:
        return Coerced(fast)
    pfmt = None if iso else _strptime_format(fmt or "")
    if pfmt is None:
        return _date_strict(raw, fmt)
    parsed = pc.strptime(raw, format=pfmt, unit="s", error_is_null=True)
    doubtful = pc.or_kleene(pc.less_equal(pc.day(parsed), 3), pc.less(pc.year(parsed), 1000))
    doubtful = pc.fill_null(pc.or_kleene(pc.and_kleene(pc.is_valid(raw), pc.is_null(parsed)), doubtful), False)
    values = pc.cast(parsed, pa.date32())
    if not pc.any(doubtful).as_py():
        return Coerced(values)
    strict = _date_strict(raw.filter(doubtful), fmt)
    values = pc.replace_with_mask(values, doubtful, strict.values)
    if strict.errors is None:
        return Coerced(values)
    return Coerced(values, pc.replace_with_mask(pa.nulls(len(raw), pa.string()), doubtful, strict.errors))


def _date_strict(raw: pa.Array, fmt: str | None) -> Coerced:
    iso = fmt in (None, "yyyy-MM-dd")
    s = _clean(raw)
    if iso:
        text, syntax = s, pc.match_substring_regex(s, r"^\d{4}-\d{2}-\d{2}$")
    else:
        pattern = date_regex(fmt or "")
        if pattern is None:
            raise ValueError(f"unsupported date format '{fmt}' (use letters yyyy, MM/M, dd/d)")
        parts = pc.extract_regex(s, pattern)  # null where the text does not match
        syntax = pc.if_else(pc.is_valid(s), pc.is_valid(parts), pa.scalar(None, pa.bool_()))
        pad = lambda f: pc.utf8_lpad(pc.struct_field(parts, f), width=2, padding="0")  # noqa: E731
        text = pc.binary_join_element_wise(pc.struct_field(parts, "y"), pad("m"), pad("d"), "-")
    values, invalid = _bisect_cast(_where(text, syntax), pa.date32())
    shown = fmt or "yyyy-MM-dd"
    return Coerced(values, _messages((pc.invert(syntax), f"not a date in format {shown}"),
                                     (invalid, "not a valid calendar date")))


def _timestamp(raw: pa.Array, t: ColumnType, tz: str) -> Coerced:
    target = t.arrow
    if (fast := _try_cast(raw, target)) is not None:  # every value carries its offset
        return Coerced(fast)
    s = _clean(raw)
    syntax = pc.match_substring_regex(s, _TS_RE)
    has_offset = pc.match_substring_regex(s, _TS_OFFSET_RE)
    aware, bad_aware = _bisect_cast(_where(s, pc.and_kleene(syntax, has_offset)), target)
    naive, bad_naive = _bisect_cast(_where(s, pc.and_kleene(syntax, pc.invert(has_offset))), pa.timestamp("us"))
    local = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    values = pc.coalesce(aware, pc.cast(local, target))
    return Coerced(values, _messages(
        (pc.or_kleene(pc.invert(syntax), pc.or_kleene(bad_aware, bad_naive)),
         "not an ISO-8601 timestamp (e.g. 2024-03-01T09:30:00+01:00)")))


def _string(raw: pa.Array) -> Coerced:
    return Coerced(raw if raw.type == pa.string() else pc.cast(raw, pa.string()))


def _from_typed(raw: pa.Array, column: Column, tz: str) -> Coerced | None:
    """A typed source column (Parquet): cast exactly when Arrow can, else None (go via text)."""
    target = column.type.arrow
    if pa.types.is_timestamp(raw.type) and pa.types.is_timestamp(target) and raw.type.tz is None:
        raw = pc.assume_timezone(raw, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    if pa.types.is_floating(raw.type) and pa.types.is_decimal(target):
        return None  # exact decimals never come from a binary float: go via its shortest text
    out = _try_cast(raw, target)
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
            result = _date(text, column.type, column.input_format)
        else:
            result = _timestamp(text, column.type, tz)
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
