"""Athena semantics on DuckDB (``lake query``).

Connection settings (``SETTINGS``, applied before the connection is locked): integer division
(``7 / 2 = 3``), NULLS LAST whatever the direction, UTC. Rewrites: exact decimal division and
``avg`` of decimals, in a window too (DuckDB computes both in DOUBLE); a decimal sum past 38 digits,
division by zero and array subscripts out of bounds fail as in Trino, ``date_diff`` counts whole
units, DATE stays DATE after ``date_trunc``, ``date_add`` and ``+ INTERVAL``, ``$1`` in a regexp
replacement, ``AT TIME ZONE``, ``format_datetime``.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from lake.sql import athena, exact_avg
from lake.sql.types import INTEGERS, T, decimal_ps, is_kind, type_of

SETTINGS = {"integer_division": "true", "default_null_order": "'nulls_last'", "TimeZone": "'UTC'"}
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
_JODA = [("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"),
         ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%g"), ("EEEE", "%A"),
         ("EEE", "%a"), ("a", "%p"), ("ZZ", "%z"), ("D", "%j")]


def _template(sql: str, **parts: exp.Expr) -> exp.Expr:
    """Parse DuckDB SQL whose columns ``_a``, ``_b`` ... stand for the given subtrees."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for col in list(tree.find_all(exp.Column)):
        if col.name in parts:
            col.replace(parts[col.name].copy())
    return athena.done(tree)


def _nonzero(divisor: exp.Expr) -> exp.Expr:
    if isinstance(divisor, exp.Literal) and not divisor.is_string and float(divisor.this) != 0:
        return divisor
    return _template("CASE WHEN _b = 0 THEN error('Division by zero') ELSE _b END", _b=divisor)


def exact_division(a: exp.Expr, b: exp.Expr, s1: int, s2: int, result: exp.DataType) -> exp.Expr:
    """a / b rounded half up to the result's scale, in HUGEINT arithmetic (never through DOUBLE)."""
    p, s = decimal_ps(result) or (38, 0)
    # a * 10^(s + s2) as a whole number, in HUGEINT from the start (a DECIMAL(38) product overflows at 10^38,
    # e.g. the sum of two decimal(37,2) near their maximum, where HUGEINT still holds it)
    dec = f"CAST(_a AS DECIMAL(38, {s1}))"
    k = 10 ** (s + s2)
    n = f"(CAST(trunc({dec}) AS HUGEINT) * {k} + CAST(({dec} - trunc({dec})) * {k} AS HUGEINT))"
    d = f"CAST(CAST(_b AS DECIMAL(38, {s2})) * {10 ** s2} AS HUGEINT)"
    q = f"sign({n}) * sign({d}) * ((2 * abs({n}) + abs({d})) // (2 * abs({d})))"
    return _template(_scaled(q, p, s), _a=a, _b=b)


_SMALL = exact_avg.SMALL
_OPS = exact_avg.Ops(pmod=lambda a, b: f"((({a}) % ({b}) + ({b})) % ({b}))", div=lambda a, b: f"(({a}) // ({b}))",
                     whole=lambda x: f"CAST({x} AS HUGEINT)")


def _scaled(q: str, p: int, s: int) -> str:
    """The DECIMAL(p, s) whose last digit counts the whole number ``q``: times an exact 10^-s (a decimal
    literal; dividing by 10^s would go through DOUBLE)."""
    scaled = f"CAST({q} AS DECIMAL(38, 0)) * {'0.' + '0' * (s - 1) + '1'}" if s else q
    return f"CAST({scaled} AS DECIMAL({p}, {s}))"


def _average(node: exp.Avg, s: int, result: exp.DataType, window: exp.Window | None) -> exp.Expr:
    """Trino's avg of decimal(p, s) (lake.sql.exact_avg), in HUGEINT, over ``window`` if given."""
    p, s = decimal_ps(result) or (38, s)  # avg keeps its argument's type
    distinct = isinstance(node.this, exp.Distinct)  # avg(DISTINCT x): the sum of the distinct units of x
    value = node.this.expressions[0] if distinct else node.this
    dec = f"CAST(_v AS DECIMAL(38, {s}))"
    units = f"(CAST(trunc({dec}) AS HUGEINT) * {10 ** s} + CAST(({dec} - trunc({dec})) * {10 ** s} AS HUGEINT))"
    if distinct or p <= _SMALL:  # the sum of the units fits in 38 digits: one sum, no split
        total = _template(units, _v=value)
        sums = {"_sh": _template("0"), "_sl": athena.over(exp.Sum(
            this=exp.Distinct(expressions=[total]) if distinct else total), window)}
    else:
        hi, lo = exact_avg.split(units, _OPS)
        sums = {"_sh": athena.over(exp.Sum(this=_template(hi, _v=value)), window),
                "_sl": athena.over(exp.Sum(this=_template(lo, _v=value)), window)}
    count = athena.over(exp.Count(this=node.this.copy()), window)
    q = exact_avg.mean(_OPS.whole("_sh"), _OPS.whole("_sl"), _OPS.whole("_n"), _OPS)
    return _template(_scaled(q, p, s), **sums, _n=count)


def _division(node: exp.Div) -> exp.Expr:
    kind, result = athena.division_kind(node), type_of(node)
    if kind == "double":
        return athena.ieee_division(node)
    if kind == "integer":
        node.set("expression", _nonzero(node.expression))
        return athena.done(node)
    if kind == "decimal" and result is not None:
        (_, s1), (_, s2) = decimal_ps(type_of(node.this)), decimal_ps(type_of(node.expression))  # type: ignore[misc]
        return exact_division(node.this, _nonzero(node.expression), s1, s2, result)
    return node


def _aggregate(node: exp.Expr, window: exp.Window | None = None) -> exp.Expr:
    """``node``'s Trino answer; over ``window`` when it is a window function (the sum and count go inside it,
    the cast and the check around it)."""
    arg, result = type_of(node.this), type_of(node)
    outer = window or node
    if result is None:
        return outer
    if isinstance(node, exp.Avg) and arg is not None and arg.this == T.DECIMAL:  # DuckDB's AVG is a DOUBLE
        return _average(node, decimal_ps(arg)[1], result, window)  # type: ignore[index]
    if isinstance(node, exp.Sum) and arg is not None and arg.this == T.DECIMAL and decimal_ps(result):
        # DuckDB keeps a decimal(38, s) sum in a HUGEINT and lets it pass 38 digits; Trino: "Decimal overflow"
        limit = 10 ** (38 - decimal_ps(result)[1])  # type: ignore[index]
        checked = _template(f"CASE WHEN abs(CAST(trunc(_s) AS HUGEINT)) >= CAST('{limit}' AS HUGEINT) "
                            "THEN error('Decimal overflow') ELSE _s END", _s=athena.done(outer))
        return athena.cast(checked, result)  # typed: an enclosing division reads its operand's type
    if isinstance(node, (exp.Sum, exp.CountIf)) and (is_kind(arg, INTEGERS) or isinstance(node, exp.CountIf)):
        return athena.cast(athena.done(outer), result)  # DuckDB: HUGEINT; Trino: BIGINT
    return outer


def _subscript(node: exp.Bracket) -> exp.Expr:
    """Trino: an array subscript out of bounds is an error (element_at is the NULL-returning form)."""
    if not athena.array_subscript(node):
        return node
    return _template("CASE WHEN _i < 1 OR _i > len(_a) THEN error('Array subscript out of bounds') ELSE _v END",
                     _i=athena.one_based(node.expressions[0]), _a=node.this, _v=athena.done(node))


def joda_to_strftime(pattern: str) -> str:
    tokens = "|".join(re.escape(j) for j, _ in _JODA)
    mapping = dict(_JODA)
    return re.sub(tokens, lambda m: mapping[m.group(0)], pattern)


def _dates(node: exp.Expr) -> exp.Expr:
    """Trino keeps a DATE a DATE (DuckDB returns a TIMESTAMP) and counts whole units in date_diff."""
    if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval) \
            and is_kind(type_of(node.this), {T.DATE}) and node.expression.unit \
            and node.expression.unit.name.upper() in _DATE_UNITS:
        return athena.cast(athena.done(node), "DATE")
    if isinstance(node, exp.DateDiff):
        unit = exp.Literal.string((node.args.get("unit") or exp.var("DAY")).name.lower())
        return athena.done(exp.Anonymous(this="DATE_SUB", expressions=[unit, node.expression, node.this]))
    if isinstance(node, exp.AtTimeZone):  # Trino: the same instant, seen in that zone
        return _template("timezone(_z, CAST(_x AS TIMESTAMPTZ))", _z=node.args["zone"], _x=node.this)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "format_datetime":
        args = node.expressions
        if len(args) == 2 and isinstance(args[1], exp.Literal) and args[1].is_string:
            return exp.TimeToStr(this=args[0], format=exp.Literal.string(joda_to_strftime(args[1].this)))
    return node


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expr:
    """Trino (Java) writes group references as $1; DuckDB (RE2) as \\1."""
    repl = node.args.get("replacement")
    if isinstance(repl, exp.Literal) and repl.is_string and "$" in repl.this:
        text = re.sub(r"(?<!\\)\$(\d)", r"\\\1", repl.this).replace("\\$", "$")
        node.set("replacement", exp.Literal.string(text))
    return athena.done(node)


def _arrays(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.ArraySize) and is_kind(type_of(node.this), {T.MAP}):
        return athena.done(exp.Anonymous(this="CARDINALITY", expressions=[node.this]))
    if isinstance(node, exp.ArrayDistinct):  # Trino keeps first occurrences in order; list_distinct does not
        return _template("list_filter(_l, (x, i) -> list_position(_l, x) = i)", _l=node.this)
    return node


def fix(node: exp.Expr) -> exp.Expr:
    if athena.is_done(node):
        return node
    node = athena.shared(node)
    if isinstance(node, (exp.Avg, exp.Sum, exp.CountIf)) and isinstance(node.parent, exp.Window):
        return node
    if isinstance(node, exp.Window) and isinstance(node.this, (exp.Sum, exp.CountIf, exp.Avg)):
        return _aggregate(node.this, window=node)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Mod)) and not isinstance(node.expression, exp.Interval):
        return athena.decimal_arithmetic(node)
    if isinstance(node, (exp.ArraySize, exp.ArrayDistinct)):
        return _arrays(node)
    if isinstance(node, exp.Div):
        return _division(node)
    if isinstance(node, (exp.Avg, exp.Sum, exp.CountIf)):
        return _aggregate(node)
    if isinstance(node, exp.Bracket):
        return _subscript(node) if athena.array_subscript(node) else athena.map_subscript(node, "ERROR")
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    return _dates(node)
