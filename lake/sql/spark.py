"""Athena semantics on Spark SQL (projection builds, the Glue job and local runs alike).

Session settings (``athena_session``), for the duration of a build:
- ``spark.sql.ansi.enabled``: Trino fails where ANSI Spark fails and legacy Spark returns NULL or wraps
  around: a cast of a malformed string, integer overflow, division by zero, an array subscript out of
  bounds; ``cardinality(NULL)`` is NULL. The build's own Spark settings come back afterwards, so other
  tasks sharing the session (promotion) keep theirs.
Rewrites: integer division, decimal result types, exact decimal division and avg (``spark_decimal``, windows
too), NULL-keeping ``array_agg``, ``grouping(a, b)``,
LIKE without Spark's implicit backslash escape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from sqlglot import exp

from lake.sql import athena, spark_decimal
from lake.sql.types import BIGINT_FUNCTIONS, FLOATS, ROUNDING, Schema, T, decimal_ps, is_kind, type_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SETTINGS = {"spark.sql.ansi.enabled": "true"}
_ESCAPES = "#!~^|@"


@contextmanager
def conf(spark: SparkSession, values: dict[str, str]) -> Iterator[None]:
    """Session settings for the statements planned inside; the session's own values are back after."""
    before = {k: spark.conf.get(k, None) for k in values}
    for k, v in values.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, old in before.items():
            spark.conf.unset(k) if old is None else spark.conf.set(k, old)


def athena_session(spark: SparkSession) -> AbstractContextManager[None]:
    return conf(spark, SETTINGS)


def _division(node: exp.Div) -> exp.Expr:
    kind, result = athena.division_kind(node), type_of(node)
    if kind == "double":
        return athena.ieee_division(node)
    if kind == "integer" and result is not None:
        return athena.cast(exp.IntDiv(this=node.this, expression=node.expression), result)  # truncates, as Trino
    if kind == "decimal" and result is not None:  # exact: Spark's own division can round twice
        (_, xs), (_, ys) = decimal_ps(type_of(node.this)), decimal_ps(type_of(node.expression))  # type: ignore[misc]
        return spark_decimal.division(node.this, node.expression, xs, ys, *decimal_ps(result))  # type: ignore[misc]
    return node


def _aggregate(node: exp.Expr, window: exp.Window | None = None) -> exp.Expr:
    arg = type_of(node.this)
    if isinstance(node, (exp.Sum, exp.Avg)) and arg is not None and decimal_ps(arg) and arg.this == T.DECIMAL:
        result = type_of(node)
        if result is None:
            return window or node
        if isinstance(node, exp.Avg):  # Spark's AVG rounds at scale s + 4 first, then the cast again
            p, s = decimal_ps(result)  # type: ignore[misc]
            return spark_decimal.average(node, s, p, window)
        return athena.cast(athena.done(window or node), result)  # the cast goes around the window
    return window or node


def _compare(keys: list[exp.Ordered]) -> exp.Expr:
    """A comparator over the boxed structs (fields k0, k1, ...) in Trino's ORDER BY order (NULLS LAST
    unless written otherwise)."""
    result: exp.Expr = exp.Literal.number(0)
    for i, key in reversed(list(enumerate(keys))):
        left, right = (exp.Dot(this=exp.column(side), expression=exp.to_identifier(f"k{i}")) for side in "lr")
        before, after = (exp.Literal.number(-1), exp.Literal.number(1))
        if key.args.get("desc"):
            before, after = after, before
        nulls = exp.Literal.number(-1 if key.args.get("nulls_first") else 1)
        result = exp.Case(ifs=[
            exp.If(this=exp.and_(exp.Is(this=left.copy(), expression=exp.Null()),
                                 exp.Is(this=right.copy(), expression=exp.Null())), true=result),
            exp.If(this=exp.Is(this=left.copy(), expression=exp.Null()), true=nulls),
            exp.If(this=exp.Is(this=right.copy(), expression=exp.Null()), true=exp.Neg(this=nulls.copy())),
            exp.If(this=exp.LT(this=left.copy(), expression=right.copy()), true=before),
            exp.If(this=exp.GT(this=left, expression=right), true=after)], default=result.copy())
    return exp.Lambda(this=result, expressions=[exp.to_identifier("l"), exp.to_identifier("r")])


def _array_agg(node: exp.ArrayAgg) -> exp.Expr:
    """Trino's array_agg keeps NULL elements, is NULL over no rows and honours ORDER BY; Spark's
    collect_list drops NULLs and has no order: each value is boxed in a struct with its sort keys."""
    order = node.this if isinstance(node.this, exp.Order) else None
    value = order.this if order else node.this
    keys: list[exp.Ordered] = list(order.expressions) if order else []
    fields: list[exp.Expr] = [exp.Literal.string("v"), value]
    for i, key in enumerate(keys):
        fields += [exp.Literal.string(f"k{i}"), key.this]
    # array_agg(x) FILTER (WHERE c): the FILTER goes on the collection and the count (Spark allows it on
    # aggregates only), and the outer FILTER is dropped (_fix)
    where = node.parent.expression if isinstance(node.parent, exp.Filter) else None

    def filtered(agg: exp.Expr) -> exp.Expr:
        return exp.Filter(this=agg, expression=where.copy()) if where is not None else agg
    boxes: exp.Expr = filtered(exp.Anonymous(this="COLLECT_LIST", expressions=[
        exp.Anonymous(this="NAMED_STRUCT", expressions=fields)]))
    if keys:
        boxes = exp.Anonymous(this="ARRAY_SORT", expressions=[boxes, _compare(keys)])
    unbox = exp.Lambda(this=exp.Dot(this=exp.column("s"), expression=exp.to_identifier("v")),
                       expressions=[exp.to_identifier("s")])
    values = exp.Anonymous(this="TRANSFORM", expressions=[boxes, unbox])
    empty = exp.EQ(this=filtered(exp.Count(this=exp.Star())), expression=exp.Literal.number(0))
    result = athena.done(exp.If(this=empty, true=exp.Null(), false=values))
    result.meta["lake_filtered"] = where is not None
    return result


def _ordinality(node: exp.Unnest) -> exp.Expr:
    """UNNEST(a) WITH ORDINALITY numbers from 1; Spark's posexplode from 0. Zipped with the 1-based positions
    instead (Trino's UNNEST of two arrays, which sqlglot writes as inline(arrays_zip(...)))."""
    array = node.expressions[0]
    x, i = exp.to_identifier("x"), exp.to_identifier("i")
    one_based = exp.Lambda(this=exp.Add(this=exp.column("i"), expression=exp.Literal.number(1)), expressions=[x, i])
    positions = exp.Anonymous(this="TRANSFORM", expressions=[array.copy(), one_based])
    offset = node.args["offset"]
    alias = node.args.get("alias")
    if isinstance(offset, exp.Identifier) and alias is not None:  # the position column, named last in Trino
        alias.set("columns", [*alias.columns, offset])
    node.set("expressions", [array, positions])
    node.set("offset", None)
    return athena.done(node)


def _like(node: exp.Like) -> exp.Expr:
    """Spark treats backslash as LIKE's escape by default; Trino has no escape unless ESCAPE is given."""
    pattern = node.expression
    text = pattern.this if isinstance(pattern, exp.Literal) and pattern.is_string else ""
    char = next((c for c in _ESCAPES if c not in text), "\x1f") if text else "\x1f"
    return athena.done(exp.Escape(this=athena.done(node), expression=exp.Literal.string(char)))


def _times(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.DayOfWeekIso):  # ISO: Monday 1 ... Sunday 7 (weekday(): Monday 0)
        weekday = exp.Anonymous(this="WEEKDAY", expressions=[node.this])
        return athena.done(exp.Add(this=weekday, expression=exp.Literal.number(1)))
    if isinstance(node, exp.TimeToUnix):  # Trino: a DOUBLE with the fraction of a second
        micros = exp.Anonymous(this="UNIX_MICROS", expressions=[exp.cast(node.this, "TIMESTAMP")])
        return athena.done(exp.Div(this=micros, expression=exp.Literal.number("1e6")))
    unit = node.args.get("unit")
    if isinstance(node, exp.DateAdd) and unit is not None and unit.name.upper() in {"HOUR", "MINUTE", "SECOND"}:
        interval = exp.Interval(this=node.expression, unit=exp.var(unit.name))
        return athena.done(exp.Add(this=node.this, expression=interval))
    return node


_WHOLE = exp.Literal.number("4503599627370496e0")  # 2^52: a double this large is a whole number already


def _rounding(node: exp.Expr) -> exp.Expr:
    """Spark's ROUND of a double rounds its decimal spelling (round(1.005e0, 2) = 1.01; Trino, as Java's
    Math.round of 1.005 * 100 = 100.4999..., answers 1.0); its CEIL and FLOOR of a double answer a BIGINT
    (overflowing past 2^63); sqlglot writes truncate as a cast to BIGINT and drops truncate(x, d)."""
    arg, x = type_of(node.this), node.this
    if is_kind(arg, FLOATS) and isinstance(node, exp.Round):  # Trino: -(Math.round(-x * f) / f) below 0
        f = exp.Anonymous(this="POWER", expressions=[exp.Literal.number(10),
                                                     node.args.get("decimals") or exp.Literal.number(0)])
        up = lambda v: exp.Div(this=athena.done(exp.Round(this=exp.Mul(this=v, expression=f.copy()))),  # noqa: E731
                               expression=f.copy())
        below = exp.Neg(this=exp.Paren(this=up(exp.Neg(this=x.copy()))))
        return athena.cast(exp.Case(ifs=[exp.If(this=exp.LT(this=x.copy(), expression=exp.Literal.number(0)),
                                                true=below)], default=up(x.copy())), "DOUBLE")
    if is_kind(arg, FLOATS) and isinstance(node, (exp.Ceil, exp.Floor, exp.Trunc)):
        whole = athena.cast(x.copy(), "BIGINT") if isinstance(node, exp.Trunc) \
            else athena.done(type(node)(this=x.copy()))
        small = exp.LT(this=exp.Abs(this=x.copy()), expression=_WHOLE.copy())
        return athena.cast(exp.Case(ifs=[exp.If(this=small, true=athena.cast(whole, "DOUBLE"))], default=x), "DOUBLE")
    result = type_of(node)
    if isinstance(node, exp.Trunc) and result is not None and result.this == T.DECIMAL:  # toward zero
        places = node.args.get("decimals")
        ceil, floor = (athena.done(cls(this=x.copy(), decimals=places.copy() if places else None))
                       for cls in (exp.Ceil, exp.Floor))
        test = exp.LT(this=x.copy(), expression=exp.Literal.number(0))
        return athena.cast(exp.Case(ifs=[exp.If(this=test, true=ceil)], default=floor), result)
    return node


_ORDERED = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile, exp.PercentRank, exp.CumeDist, exp.Lag, exp.Lead)


def fix(node: exp.Expr) -> exp.Expr:
    if isinstance(node, BIGINT_FUNCTIONS) and not athena.is_done(node):  # Spark answers INT
        return athena.cast(_fix(node), "BIGINT")
    if isinstance(node, ROUNDING) and not athena.is_done(node):
        node = _rounding(node)
    return _fix(node)


def _fix(node: exp.Expr) -> exp.Expr:
    if athena.is_done(node):
        return node
    node = athena.shared(node)
    if isinstance(node, (exp.Greatest, exp.Least)):
        return athena.null_if_any_null(node)
    if isinstance(node, (exp.DayOfWeekIso, exp.TimeToUnix, exp.DateAdd)):
        return _times(node)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Mod)) and not isinstance(node.expression, exp.Interval):
        return athena.decimal_arithmetic(node)
    if isinstance(node, exp.Div):
        return _division(node)
    if isinstance(node, (exp.Sum, exp.Avg)) and not isinstance(node.parent, exp.Window):
        return _aggregate(node)
    if isinstance(node, exp.Window) and isinstance(node.this, _ORDERED) and not node.args.get("order"):
        # Trino numbers rows in an arbitrary order when OVER has no ORDER BY; Spark refuses the window.
        # Every row is a peer under ORDER BY NULL: the same answers (rank() is 1 for all).
        node.set("order", exp.Order(expressions=[exp.Ordered(this=exp.Null())]))
        return node
    if isinstance(node, exp.Window) and isinstance(node.this, (exp.Sum, exp.Avg)):
        return _aggregate(node.this, window=node)
    if isinstance(node, exp.ArrayAgg):
        return _array_agg(node)
    if isinstance(node, exp.Filter) and node.this.meta.get("lake_filtered"):
        return node.this
    if isinstance(node, exp.Bracket) and not athena.array_subscript(node):
        return athena.map_subscript(node, "RAISE_ERROR")
    if athena.array_subscript(node):  # 1-based, and out of bounds an error (ANSI), as in Trino
        index = athena.one_based(node.expressions[0])
        return athena.done(exp.Anonymous(this="ELEMENT_AT", expressions=[node.this, index]))
    if isinstance(node, exp.Unnest) and node.args.get("offset") and len(node.expressions) == 1:
        return _ordinality(node)
    if isinstance(node, exp.Grouping) and len(node.expressions) > 1:
        return exp.Anonymous(this="GROUPING_ID", expressions=node.expressions)
    if isinstance(node, exp.Like) and not isinstance(node.parent, exp.Escape):
        return _like(node)
    return node


def spark_schema(spark: SparkSession, tables: Iterable[str]) -> Schema:
    """The column types of ``tables`` as the session's catalog has them (Trino spelling), for the rewrites."""
    schema: Schema = {}
    for table in tables:
        if not spark.catalog.tableExists(table):
            continue  # the build fails on it with Spark's own message
        db, name = table.split(".")
        schema.setdefault(db, {})[name] = {
            f.name.lower(): exp.DataType.build(f.dataType.simpleString(), dialect="spark").sql(dialect="trino")
            for f in spark.table(table).schema.fields}
    return schema
