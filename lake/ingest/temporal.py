"""Dates and timestamps from text: the contract's input format, offsets to UTC, naive values in its time zone."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from lake.config import ColumnType
from lake.ingest.kernels import Coerced, bisect_cast, clean, messages, try_cast, where

_TS_RE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$"
_TS_OFFSET_RE = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)$"


def _tokens(fmt: str) -> list[str]:
    """A Java/Spark pattern's tokens: runs of one letter (``MMM`` is not ``MM`` + ``M``) and literals."""
    return [m.group(0) for m in re.finditer(r"([A-Za-z])\1*|%|[^A-Za-z%]+", fmt)]


_DATE_TOKENS = {"yyyy": r"(?P<y>\d{4})", "MM": r"(?P<m>\d{1,2})", "M": r"(?P<m>\d{1,2})",
                "dd": r"(?P<d>\d{1,2})", "d": r"(?P<d>\d{1,2})"}


def date_regex(fmt: str) -> str | None:
    """A Java/Spark date pattern (``MM/dd/yyyy``) as an RE2 pattern with y/m/d groups."""
    parts = _tokens(fmt)
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
    parts = _tokens(fmt)
    if any(p.isalpha() and p not in _STRPTIME for p in parts) or "%" in parts:
        return None
    return "".join(_STRPTIME.get(p, p) for p in parts)


def date(raw: pa.Array, t: ColumnType, fmt: str | None) -> Coerced:
    """Dates: Arrow's strptime for speed, the strict path for whatever it may have got wrong.

    strptime rolls 02/30 over to 03/01 and takes a 2-digit year as year 24, so a result on
    day 1-3 or before year 1000 (and every value it refused) is re-read strictly.
    """
    iso = fmt in (None, "yyyy-MM-dd")
    if iso and (fast := try_cast(raw, pa.date32())) is not None:
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
    s = clean(raw)
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
    values, invalid = bisect_cast(where(text, syntax), pa.date32())
    shown = fmt or "yyyy-MM-dd"
    return Coerced(values, messages((pc.invert(syntax), f"not a date in format {shown}"),
                                     (invalid, "not a valid calendar date")))


def timestamp(raw: pa.Array, t: ColumnType, tz: str) -> Coerced:
    target = t.arrow
    if (fast := try_cast(raw, target)) is not None:  # every value carries its offset
        return Coerced(fast)
    s = clean(raw)
    syntax = pc.match_substring_regex(s, _TS_RE)
    has_offset = pc.match_substring_regex(s, _TS_OFFSET_RE)
    aware, bad_aware = bisect_cast(where(s, pc.and_kleene(syntax, has_offset)), target)
    naive, bad_naive = bisect_cast(where(s, pc.and_kleene(syntax, pc.invert(has_offset))), pa.timestamp("us"))
    local = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    values = pc.coalesce(aware, pc.cast(local, target))
    return Coerced(values, messages(
        (pc.or_kleene(pc.invert(syntax), pc.or_kleene(bad_aware, bad_naive)),
         "not an ISO-8601 timestamp (e.g. 2024-03-01T09:30:00+01:00)")))
