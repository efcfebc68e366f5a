"""Trino's exact decimal division and avg on Spark, in whole numbers of the result's last digit.

Spark's own decimal division rounds (half up) to a scale it picks itself, 6 digits once the precision passes
38, and a cast to Trino's scale then rounds a second time: sum(x) / sum(y) = 49999.99 / 10000000.00 is
0.004999999 -> 0.005000 -> 0.01 where Trino answers 0.00. Spark's AVG of decimal(p, s) rounds at scale
s + 4 first (12499 / 25000 = 0.49996 -> 0.5000 -> 1, Trino: 0), in a window too. Here the quotient is
taken in DECIMAL(38, 0) units: a DOUBLE estimate, corrected with exact remainders until it is the floor, and
the last remainder decides the last digit, half away from zero as Trino rounds. Products and sums of scale 0
are never rescaled by Spark, so each step is exact or fails with an overflow, never a different answer.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from lake.sql import athena, exact_avg


def _units(x: str, k: int) -> str:
    """x * 10^k as a whole DECIMAL(38, 0) (k at least x's scale, so nothing is cut off). The whole part and
    the fraction are scaled apart: x * 10^k in one product would keep x's scale and lose integer digits."""
    if not k:
        return f"CAST({x} AS DECIMAL(38, 0))"
    power = f"CAST('1e{k}' AS DECIMAL({k + 1}, 0))"
    toward_zero = f"CASE WHEN {x} < 0 THEN CEIL({x}) ELSE FLOOR({x}) END"  # FLOOR of -99.99 would be -100
    return (f"(CAST({toward_zero} AS DECIMAL(38, 0)) * {power}"
            f" + CAST(({x} - {toward_zero}) * {power} AS DECIMAL(38, 0)))")


def _half_away(n: str, d: str) -> str:
    """n / d rounded half away from zero, n and d DECIMAL(38, 0); NULL if either is, an error if d is 0."""
    a, b = f"ABS({n})", f"ABS({d})"
    # a first quotient from DOUBLE (16 digits right), then the remainder's quotient: small enough for
    # Spark's DECIMAL(38, 6) division, whose FLOOR is off by at most one (it rounded at 6 places)
    f0 = f"CAST(CAST({a} AS DOUBLE) / CAST({b} AS DOUBLE) AS DECIMAL(38, 0))"  # (FLOOR of a DOUBLE: a BIGINT)
    f1 = f"({f0} + CAST(FLOOR(({a} - {f0} * {b}) / {b}) AS DECIMAL(38, 0)))"
    r1 = f"({a} - {f1} * {b})"
    f = f"({f1} + CASE WHEN {r1} < 0 THEN -1 WHEN {r1} >= {b} THEN 1 ELSE 0 END)"
    r = f"({a} - {f} * {b})"
    q = f"({f} + CASE WHEN {r} >= {b} - {r} THEN 1 ELSE 0 END)"
    return f"CASE WHEN ({n} < 0) <> ({d} < 0) THEN -1 ELSE 1 END * {q}"


def _scaled(q: str, p: int, s: int) -> str:
    """The DECIMAL(p, s) whose last digit counts ``q``."""
    if s == 0:
        return f"CAST({q} AS DECIMAL({p}, 0))"
    if p + s + 1 <= 38 or s <= 6:  # Spark keeps scale s in this product
        return f"CAST(CAST({q} AS DECIMAL({p}, 0)) * 0.{'0' * (s - 1)}1 AS DECIMAL({p}, {s}))"
    return f"CAST(CONCAT(CAST({q} AS STRING), 'E-{s}') AS DECIMAL({p}, {s}))"  # a decimal's own digits


def _tree(sql: str, parts: dict[str, exp.Expr]) -> exp.Expr:
    tree = sqlglot.parse_one(sql, read="spark")
    for col in list(tree.find_all(exp.Column)):
        if col.name in parts:
            col.replace(parts[col.name].copy())
    return athena.done(tree)


def division(x: exp.Expr, y: exp.Expr, xs: int, ys: int, p: int, s: int) -> exp.Expr:
    """x / y (decimal(., xs) by decimal(., ys)) as Trino's decimal(p, s): (x * 10^(s + ys)) / (y * 10^ys)."""
    q = _let({"n": _units("_x", s + ys), "d": _units("_y", ys)}, _half_away("_l.n", "_l.d"))
    return _tree(_scaled(q, p, s), {"_x": x, "_y": y})


def _let(values: dict[str, str], body: str) -> str:
    """``body`` with ``_l.<name>`` bound to each value, evaluated once. Spark SQL has no LET, so a lambda over a
    one-element array binds them: the body's many references (``_half_away`` reads its operands ~50 times)
    are field reads, not copies of the operands' expressions, which made Spark plan for seconds per division."""
    fields = ", ".join(f"'{name}', {value}" for name, value in values.items())
    return f"ELEMENT_AT(TRANSFORM(ARRAY(NAMED_STRUCT({fields})), _l -> {body}), 1)"


_SMALL = exact_avg.SMALL
_OPS = exact_avg.Ops(pmod=lambda a, b: f"PMOD({a}, {b})", div=lambda a, b: f"CAST({a} / {b} AS DECIMAL(38, 0))",
                     whole=lambda x: f"CAST({x} AS DECIMAL(38, 0))")


def average(node: exp.Avg, s: int, p: int, window: exp.Window | None = None) -> exp.Expr:
    """avg(x) of decimal(., s) as Trino's decimal(p, s) (lake.sql.exact_avg), over ``window`` if given."""
    distinct = isinstance(node.this, exp.Distinct)  # avg(DISTINCT x): the sum of the distinct units of x
    value = node.this.expressions[0] if distinct else node.this
    units = _units("_v", s)
    if distinct or p <= _SMALL:  # the sum of the units fits in 38 digits: one sum, no split
        total = _tree(units, {"_v": value})
        sums = {"_sh": _tree("0", {}), "_sl": athena.over(exp.Sum(
            this=exp.Distinct(expressions=[total]) if distinct else total), window)}
    else:
        hi, lo = exact_avg.split(units, _OPS)
        sums = {"_sh": athena.over(exp.Sum(this=_tree(hi, {"_v": value})), window),
                "_sl": athena.over(exp.Sum(this=_tree(lo, {"_v": value})), window)}
    count = athena.over(exp.Count(this=node.this.copy()), window)
    q = _let({"sh": _OPS.whole("_sh"), "sl": _OPS.whole("_sl"), "n": _OPS.whole("_n")},
             exact_avg.mean("_l.sh", "_l.sl", "_l.n", _OPS))
    return _tree(_scaled(q, p, s), {**sums, "_n": count})
