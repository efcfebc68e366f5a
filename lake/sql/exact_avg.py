"""Trino's avg of decimal(p, s), exact on every engine, also where the sum of the values passes 38 digits.

Trino keeps the sum in 128 bits plus an overflow counter, so the average of decimal(38, s) values near their
maximum is answered. Here each value, as a whole number ``u`` of its last digit, is split into
``hi * 10^18 + lo`` (|lo| < 10^18): the sums of ``hi`` and of ``lo`` fit where the sum of ``u`` would not.
The mean ``(SH * 10^18 + SL) / n`` is then taken in steps that each stay below 10^38, with exact remainders:
SH = qh * n + rh, R = rh * 10^18 + SL = a * n + b, floor(mean) = qh * 10^18 + a, and b decides the last
digit, half away from zero. The engines differ only in their whole-number type and operators (``Ops``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_K = 10 ** 18
SMALL = 18  # up to this precision, n values' units sum below 10^38 for any n below 10^20: no split needed


@dataclass(frozen=True)
class Ops:
    pmod: Callable[[str, str], str]  # the remainder in [0, b) (b > 0)
    div: Callable[[str, str], str]  # a / b for an a that b divides, as a whole number
    whole: Callable[[str], str]  # an integer expression as the engine's whole-number type


def split(u: str, ops: Ops) -> tuple[str, str]:
    """(hi, lo) of the whole number ``u``: u = hi * 10^18 + lo, both with u's sign (``%`` keeps the dividend's
    sign on both engines), so u - lo never passes u's own size."""
    lo = f"({u} % {ops.whole(str(_K))})"
    return ops.div(f"({u} - {lo})", ops.whole(str(_K))), lo


def mean(sum_hi: str, sum_lo: str, n: str, ops: Ops) -> str:
    """round((SH * 10^18 + SL) / n), half away from zero, as a whole number; NULL over no values. ``r`` may be
    negative (SL is): its floor quotient and remainder are still exact."""
    rh = ops.pmod(sum_hi, n)
    qh = ops.div(f"({sum_hi} - {rh})", n)
    r = f"({rh} * {ops.whole(str(_K))} + {sum_lo})"
    b = ops.pmod(r, n)
    floor = f"({qh} * {ops.whole(str(_K))} + {ops.div(f'({r} - {b})', n)})"
    up = f"CASE WHEN ({floor} >= 0 AND 2 * {b} >= {n}) OR ({floor} < 0 AND 2 * {b} > {n}) THEN 1 ELSE 0 END"
    return f"({floor} + {up})"
