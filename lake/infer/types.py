"""A column's type from sample values: a ladder of candidates, each proven with ingestion's own converter.

Candidates, most specific first: boolean, bigint, decimal(p,s), double, date (ISO, then common
day/month orders), timestamp, string. A candidate is taken only when ``lake.ingest.coerce`` converts
every sampled value without an error, so a draft never promises a type the sample itself would break.
Integers written with leading zeros (zip codes, account numbers) stay text: a number would drop them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from lake.config import Column
from lake.config.types import parse_type
from lake.ingest.coerce import coerce

# Day/month orders tried after ISO; when both US and European orders fit, the sample cannot tell.
DATE_FORMATS = ("MM/dd/yyyy", "dd/MM/yyyy", "dd.MM.yyyy", "yyyy/MM/dd", "dd-MM-yyyy", "MM-dd-yyyy")
_BOOLEAN = {"true", "false", "yes", "no"}
_DECIMAL = re.compile(r"^[+-]?(\d*)\.?(\d*)$")
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_WHOLE = re.compile(r"^[+-]?\d+$")
MAX_SCALE = 9  # more fractional digits than this: a measurement (double), not an exact amount


@dataclass(frozen=True)
class Inferred:
    physical: str  # the contract's physicalType
    logical: str  # its ODCS logicalType
    input_format: str | None = None  # a date's day/month order, when not ISO
    note: str | None = None  # what the reviewer should know (an ambiguous date order)


def _fits(values: pa.Array, physical: str, fmt: str | None = None) -> bool:
    try:
        return coerce(values, Column("sample", parse_type(physical), input_format=fmt)).errors is None
    except ValueError:
        return False


def _decimal(values: list[str]) -> str | None:
    """decimal(p,s) holding every value with room to grow (p: the widest integer part + 6), else None."""
    ints = scale = 0
    for v in values:
        m = _DECIMAL.match(v.strip())
        if m is None:
            return None
        ints, scale = max(ints, len(m.group(1).lstrip("0"))), max(scale, len(m.group(2)))
    if scale == 0 or scale > MAX_SCALE or ints + scale + 6 > 38:
        return None
    return f"decimal({ints + scale + 6},{scale})"


LOGICAL = {"boolean": "boolean", "bigint": "integer", "double": "number", "date": "date", "timestamp": "timestamp",
           "string": "string"}


def infer_type(values: list[str]) -> Inferred:
    """The type of a column whose non-null sample values (text, nulls and markers removed) are ``values``."""
    if not values:
        return Inferred("string", "string", note="no value in the sample: typed as text")
    arr = pa.array(values, pa.string())
    lowered = {v.strip().lower() for v in values}
    if lowered <= _BOOLEAN and _fits(arr, "boolean"):
        return Inferred("boolean", "boolean")
    if not any(_LEADING_ZERO.match(v.strip()) for v in values):
        if _fits(arr, "bigint"):
            return Inferred("bigint", "integer")
        if (dec := _decimal(values)) and _fits(arr, dec):
            return Inferred(dec, "number")
        # Digits only, too long for bigint: an identifier, kept exact as text rather than rounded to a double.
        if not all(_WHOLE.match(v.strip()) for v in values) and _fits(arr, "double"):
            return Inferred("double", "number")
    if _fits(arr, "date"):
        return Inferred("date", "date")
    fitting = [f for f in DATE_FORMATS if _fits(arr, "date", f)]
    if fitting:
        note = None
        if "MM/dd/yyyy" in fitting and "dd/MM/yyyy" in fitting:
            note = "day and month order is ambiguous in the sample (MM/dd/yyyy or dd/MM/yyyy): check it"
        return Inferred("date", "date", fitting[0], note)
    if _fits(arr, "timestamp"):
        return Inferred("timestamp", "timestamp")
    return Inferred("string", "string")
