"""Arrow building blocks shared by the converters: casts that locate their failures, messages per row."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

NULL_STR = pa.scalar(None, pa.string())


@dataclass
class Coerced:
    values: pa.Array
    errors: pa.Array | None = None  # string message per row; null where the value is fine

    @property
    def bad(self) -> pa.Array | None:
        return None if self.errors is None else pc.is_valid(self.errors)


def try_cast(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(arr, t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def bisect_cast(arr: pa.Array, t: pa.DataType) -> tuple[pa.Array, pa.Array]:
    """Cast what casts; return (values, mask of the values that would not)."""
    chunks: list[pa.Array] = []
    bad: list[int] = []

    def go(part: pa.Array, offset: int) -> None:
        out = try_cast(part, t)
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


def clean(raw: pa.Array) -> pa.Array:
    """Trimmed text, with blank values made null (a blank number is a missing number)."""
    s = pc.utf8_trim_whitespace(raw)
    return pc.if_else(pc.equal(pc.binary_length(s), 0), NULL_STR, s)


def where(arr: pa.Array, mask: pa.Array) -> pa.Array:
    return pc.if_else(pc.fill_null(mask, False), arr, pa.scalar(None, arr.type))


def messages(*pairs: tuple[pa.Array, str]) -> pa.Array | None:
    """One message per row from (mask, message) pairs; the first matching pair wins."""
    out = None
    for mask, msg in reversed(pairs):
        fallback = out if out is not None else NULL_STR
        out = pc.if_else(pc.fill_null(mask, False), pa.scalar(msg), fallback)
    if out is None or out.null_count == len(out):
        return None
    return out
