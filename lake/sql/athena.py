"""Rewrites that make Spark and DuckDB answer a statement as Athena (Trino) does.

Each rewrite is about one documented Trino behaviour; the engine-specific forms live in
``lake.sql.spark`` and ``lake.sql.duck``. Types come from ``lake.sql.types`` (computed before any
rewrite, so a rewritten node is never re-typed from engine output).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from lake.sql.types import FLOATS, INTEGERS, ROUNDING, T, decimal_ps, is_kind, type_of

Rewrite = Callable[[exp.Expr], exp.Expr]
_DONE = "lake_done"
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


def done(node: exp.Expr) -> exp.Expr:
    node.meta[_DONE] = True
    return node


def is_done(node: exp.Expr) -> bool:
    return bool(node.meta.get(_DONE))


def over(agg: exp.Expr, window: exp.Window | None) -> exp.Expr:
    """``agg`` over a copy of ``window``'s partition, order and frame (``agg`` alone without a window)."""
    if window is None:
        return done(agg)
    copy = window.copy()
    copy.set("this", done(agg))
    return done(copy)


# aggregates that skip NULLs: agg(x) FILTER (WHERE c) is agg(CASE WHEN c THEN x END)
_NULL_SKIPPING = (exp.Sum, exp.Avg, exp.Count, exp.Min, exp.Max, exp.CountIf, exp.ApproxDistinct, exp.Stddev,
                  exp.StddevPop, exp.StddevSamp, exp.Variance, exp.VariancePop, exp.ArgMax, exp.ArgMin)


def filters_to_case(tree: exp.Expr) -> exp.Expr:
    """``FILTER (WHERE c)`` as a CASE inside the aggregate, so the aggregate's own rewrites (exact decimal avg,
    result types) apply to it as to any other; aggregates that keep NULLs (array_agg) keep their FILTER."""
    for node in list(tree.find_all(exp.Filter)):
        agg, where = node.this, node.expression
        if not isinstance(agg, _NULL_SKIPPING) or not isinstance(where, exp.Where):
            continue
        holder = agg.this.expressions[0] if isinstance(agg.this, exp.Distinct) else agg.this
        value = exp.Literal.number(1) if isinstance(holder, exp.Star) else holder.copy()
        case = exp.Case(ifs=[exp.If(this=where.this.copy(), true=value)])
        if isinstance(agg.this, exp.Distinct):
            agg.this.set("expressions", [case])
        else:
            agg.set("this", case)
        if isinstance(agg, exp.Count):
            agg.set("big_int", True)
        node.replace(agg)
    return tree


def cast(node: exp.Expr, to: exp.DataType | str) -> exp.Expr:
    target = to if isinstance(to, exp.DataType) else exp.DataType.build(to)
    return done(exp.Cast(this=node, to=target.copy()))


def division_kind(node: exp.Div) -> str:
    """'integer', 'decimal', 'double' or 'unknown': which of Trino's divisions ``node`` is."""
    left, right = type_of(node.this), type_of(node.expression)
    if is_kind(left, FLOATS) or is_kind(right, FLOATS):
        return "double"
    if is_kind(left, INTEGERS) and is_kind(right, INTEGERS):
        return "integer"
    if decimal_ps(left) and decimal_ps(right) and T.DECIMAL in (left.this, right.this):  # type: ignore[union-attr]
        return "decimal"
    return "unknown"


def one_based(index: exp.Expr) -> exp.Expr:
    """sqlglot stores a literal array subscript 0-based (and leaves any other index as written)."""
    if isinstance(index, exp.Literal) and not index.is_string:
        return exp.Literal.number(int(index.this) + 1)
    return index


def array_subscript(node: exp.Expr) -> bool:
    """``a[i]`` on an array (not element_at, not a map's ``m[k]``)."""
    if not isinstance(node, exp.Bracket) or node.args.get("safe") or len(node.expressions) != 1:
        return False
    base = type_of(node.this)
    if base is None:
        index = node.expressions[0]
        return isinstance(index, exp.Literal) and not index.is_string
    return base.this == T.ARRAY


def round_before_integer_cast(node: exp.Expr) -> exp.Expr:
    """Trino rounds (half up) when it casts a decimal or double to an integer type; Spark truncates and
    DuckDB rounds doubles half to even."""
    if isinstance(node, (exp.Cast, exp.TryCast)) and not is_done(node) and node.to.this in INTEGERS:
        source = type_of(node.this)
        if is_kind(source, FLOATS | {T.DECIMAL}):
            node.set("this", exp.Round(this=node.this))
            return done(node)
    return node


def exact_distinct(node: exp.Expr) -> exp.Expr:
    """approx_distinct: the exact count, which is within any error bound Athena's estimate has, and the
    same on both engines (their HyperLogLog sketches differ from each other and from Trino's)."""
    if isinstance(node, exp.ApproxDistinct):
        return exp.Count(this=exp.Distinct(expressions=[node.this]))
    return node


def substr_from_zero(node: exp.Expr) -> exp.Expr:
    """Trino: substr(s, 0, ...) is ''. Spark reads start 0 as 1, DuckDB as 'one before the first'."""
    if not isinstance(node, exp.Substring) or is_done(node):
        return node
    start = node.args.get("start")
    if start is None or (isinstance(start, exp.Literal) and not start.is_string and start.this != "0"):
        return done(node)
    empty = exp.Substring(this=node.this.copy(), start=exp.Literal.number(1), length=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=start.copy(), expression=exp.Literal.number(0)),
                                true=done(empty))], default=done(node))


def regexp_extract_no_match(node: exp.Expr) -> exp.Expr:
    """Trino: regexp_extract is NULL when the pattern does not match; Spark and DuckDB return ''."""
    if not isinstance(node, exp.RegexpExtract) or is_done(node):
        return node
    test = exp.RegexpLike(this=node.this.copy(), expression=node.expression.copy())
    return exp.Case(ifs=[exp.If(this=test, true=done(node))])


def split_part_beyond_fields(node: exp.Expr) -> exp.Expr:
    """Trino: split_part(s, d, i) is NULL when s has fewer than i fields; Spark and DuckDB return ''."""
    if not isinstance(node, exp.SplitPart) or is_done(node):
        return node
    s, d, i = (node.args.get(k) for k in ("this", "delimiter", "part_index"))
    if s is None or d is None or i is None:
        return node
    # fields = occurrences of d + 1; occurrences = (length(s) - length(replace(s, d, ''))) / length(d)
    gone = exp.Sub(this=exp.Length(this=s.copy()),
                   expression=exp.Length(this=exp.Replace(this=s.copy(), expression=d.copy(),
                                                          replacement=exp.Literal.string(""))))
    fields = exp.Add(this=exp.IntDiv(this=exp.Paren(this=gone), expression=exp.Length(this=d.copy())),
                     expression=exp.Literal.number(1))
    return exp.Case(ifs=[exp.If(this=exp.GT(this=i.copy(), expression=fields), true=exp.Null())], default=done(node))


def ieee_logs_and_roots(node: exp.Expr) -> exp.Expr:
    """Trino computes sqrt, ln and log in IEEE 754 doubles: sqrt(-1) and ln(-1) are NaN, ln(0) is -Infinity.
    DuckDB raises an error, Spark returns NULL for a logarithm of 0 or less."""
    if isinstance(node, (exp.Sqrt, exp.Ln)):
        arg = node.this
    elif isinstance(node, exp.Log) and node.args.get("expression") is not None:
        arg = node.expression
    else:
        return node
    if is_done(node):
        return node
    nan = exp.cast(exp.Literal.string("NaN"), "DOUBLE")
    ifs = [exp.If(this=exp.LT(this=arg.copy(), expression=exp.Literal.number(0)), true=nan)]
    if not isinstance(node, exp.Sqrt):
        minus_inf = exp.Neg(this=exp.cast(exp.Literal.string("Infinity"), "DOUBLE"))
        ifs.append(exp.If(this=exp.EQ(this=arg.copy(), expression=exp.Literal.number(0)), true=minus_inf))
    return exp.Case(ifs=ifs, default=done(node))


def null_if_any_null(node: exp.Expr) -> exp.Expr:
    """Trino: greatest and least are NULL when an argument is NULL (Spark skips NULLs; sqlglot's DuckDB
    output already says so)."""
    if not isinstance(node, (exp.Greatest, exp.Least)) or is_done(node) or node.args.get("ignore_nulls"):
        return node
    args = [node.this, *node.expressions]
    test = exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
    return exp.Case(ifs=[exp.If(this=test, true=exp.Null())], default=done(node))


def decimal_arithmetic(node: exp.Expr) -> exp.Expr:
    """Trino's decimal type of + - * % (Spark and DuckDB widen differently; the value is the same)."""
    result = type_of(node)
    if result is not None and result.this == T.DECIMAL and decimal_ps(result):
        return cast(done(node), result)
    return node


def date_stays_date(node: exp.Expr) -> exp.Expr:
    """Trino: date_trunc and date_add by days or coarser units on a DATE return a DATE; Spark's DATE_TRUNC and
    DuckDB's return a TIMESTAMP."""
    if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc, exp.DateAdd)) and not is_done(node):
        unit = node.args.get("unit")
        if unit is not None and unit.name.upper() in _DATE_UNITS and is_kind(type_of(node.this), {T.DATE}):
            return cast(done(node), "DATE")
    return node


def rounding_type(node: exp.Expr) -> exp.Expr:
    """round, ceil, floor, sign and truncate return Trino's type (lake.sql.types._rounding): Spark and DuckDB
    type them their own way (DuckDB: sign a TINYINT, ceil of an integer a DOUBLE; both keep round(x, d)'s
    scale at d). Of an integer, round, ceil and floor are the integer itself."""
    if not isinstance(node, ROUNDING) or is_done(node):
        return node
    result = type_of(node)
    if result is None:
        return node
    whole = isinstance(node, (exp.Ceil, exp.Floor)) or (isinstance(node, exp.Round) and not node.args.get("decimals"))
    if whole and is_kind(type_of(node.this), INTEGERS):
        return cast(node.this, result)
    return cast(done(node), result)


def shared(node: exp.Expr) -> exp.Expr:
    for rewrite in (rounding_type, date_stays_date, round_before_integer_cast, exact_distinct, substr_from_zero,
                    regexp_extract_no_match, split_part_beyond_fields, ieee_logs_and_roots):
        node = rewrite(node)
    return node


def ieee_division(node: exp.Div) -> exp.Expr:
    """Trino divides doubles as IEEE 754 does: x / 0e0 is Infinity, -Infinity or NaN (ANSI Spark fails,
    DuckDB returns NULL)."""
    a, b = node.this, node.expression
    inf = exp.cast(exp.Literal.string("Infinity"), "DOUBLE")
    by_zero = exp.Case(ifs=[
        exp.If(this=exp.GT(this=a.copy(), expression=exp.Literal.number(0)), true=inf),
        exp.If(this=exp.LT(this=a.copy(), expression=exp.Literal.number(0)), true=exp.Neg(this=inf.copy())),
        exp.If(this=exp.Is(this=a.copy(), expression=exp.Null()), true=exp.Null())],
        default=exp.cast(exp.Literal.string("NaN"), "DOUBLE"))
    test = exp.EQ(this=b.copy(), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=test, true=by_zero)], default=done(node))


def map_subscript(node: exp.Expr, fail: str) -> exp.Expr:
    """Trino: ``m[k]`` fails for a key the map does not hold (element_at is the NULL-returning form).
    ``fail``: the engine's function that raises (Spark raise_error, DuckDB error)."""
    if not isinstance(node, exp.Bracket) or node.args.get("safe") or len(node.expressions) != 1:
        return node
    base = type_of(node.this)
    if base is None or base.this != T.MAP:
        return node
    keys = exp.Anonymous(this="MAP_KEYS", expressions=[node.this.copy()])
    present = exp.ArrayContains(this=keys, expression=node.expressions[0].copy())
    error = exp.Anonymous(this=fail, expressions=[exp.Literal.string("Key not present in map")])
    return exp.Case(ifs=[exp.If(this=exp.Not(this=present), true=error)], default=done(node))
