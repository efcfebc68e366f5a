"""Constructs whose Athena answer cannot be had exactly on Spark or DuckDB: refused, on both paths
(``lake validate`` for projections, ``lake query``), with "not supported" and what to write instead.
Never a different answer."""

from __future__ import annotations

from sqlglot import exp

from lake.sql.athena import division_kind
from lake.sql.types import FLOATS, INTEGERS, ROUNDING, T, is_kind, type_of

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Ordered)


def _sql(node: exp.Expr) -> str:
    text = node.sql(dialect="trino", comments=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _division(node: exp.Div) -> str | None:
    if division_kind(node) == "unknown" or type_of(node) is None:
        return (f"not supported: {_sql(node)}: the operand types cannot be told here, so neither can "
                "Athena's division (7 / 2 = 3 on integers, decimals keep their scale); hint: CAST an operand, "
                "e.g. CAST(x AS DOUBLE) / y or CAST(x AS DECIMAL(12, 2)) / y")
    return None


def _at_time_zone(node: exp.AtTimeZone) -> str | None:
    parent = node.parent
    if isinstance(parent, exp.Cast) and parent.to.this in (T.TIMESTAMP, T.DATE):
        return None
    return (f"not supported: {_sql(node)}: a timestamp with a time zone other than UTC is not kept by "
            "Spark or DuckDB; hint: CAST(ts AT TIME ZONE 'Europe/Paris' AS TIMESTAMP) gives the wall-clock "
            "time there (or AS DATE its date)")


def _iso_timestamp(node: exp.FromISO8601Timestamp) -> str | None:
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, (exp.Alias, exp.Select, exp.AtTimeZone, exp.TimeToUnix, *_COMPARISONS)):
        return None
    return (f"not supported: {_sql(parent or node)}: from_iso8601_timestamp keeps the string's time zone "
            "in Athena, the engines here keep only the instant; hint: use it as a value or in a comparison, "
            "or convert first: CAST(from_iso8601_timestamp(s) AT TIME ZONE 'UTC' AS TIMESTAMP)")


def _cast(node: exp.Cast) -> str | None:
    if node.to.this in (T.VARCHAR, T.TEXT, T.CHAR) and is_kind(type_of(node.this), FLOATS):
        return (f"not supported: {_sql(node)}: Athena prints a DOUBLE in scientific notation (1.5E0), "
                "Spark and DuckDB do not; hint: format(), or CAST it to DECIMAL(p, s) first")
    return None


def _function(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Typeof) or (isinstance(node, exp.Anonymous) and node.name.lower() == "typeof"):
        return ("not supported: typeof(): each engine names its types differently; hint: the column types of "
                "a projection are shown by lake describe")
    if isinstance(node, exp.RegexpReplace):
        repl = node.args.get("replacement")
        if repl is not None and not (isinstance(repl, exp.Literal) and repl.is_string):
            return (f"not supported: {_sql(node)}: the replacement must be a string literal (group references "
                    "are rewritten for each engine's regex library)")
    if isinstance(node, exp.Bracket) and not node.args.get("safe") and type_of(node.this) is None \
            and not all(isinstance(e, exp.Literal) for e in node.expressions):
        return (f"not supported: {_sql(node)}: cannot tell whether this subscript is an array's or a map's; "
                "hint: element_at(x, i)")
    return None


def _rounding(node: exp.Expr) -> str | None:
    arg, name = type_of(node.this), _sql(node)
    places = node.args.get("decimals")
    if arg is None:
        return (f"not supported: {name}: the argument's type cannot be told here, so neither can Athena's "
                "answer (a DOUBLE rounds as Java does, a DECIMAL keeps its scale); hint: CAST it, "
                "e.g. round(CAST(x AS DECIMAL(12, 2)), 1) or round(CAST(x AS DOUBLE), 1)")
    if isinstance(node, exp.Trunc) and (is_kind(arg, INTEGERS) or (places is not None and is_kind(arg, FLOATS))):
        return (f"not supported: {name}: Athena has truncate(x) for DECIMAL and DOUBLE and truncate(x, d) for "
                "DECIMAL only; hint: truncate(CAST(x AS DECIMAL(p, s)), d)")
    if places is not None and arg.this == T.DECIMAL and not (isinstance(places, exp.Literal) and not places.is_string
                                                              or isinstance(places, exp.Neg)
                                                              and isinstance(places.this, exp.Literal)):
        return (f"not supported: {name}: with a DECIMAL, the number of decimal places must be a number written "
                "in the statement (Spark fixes the result's scale before it reads a row); hint: round(x, 2)")
    return None


def not_supported(tree: exp.Expr) -> list[str]:
    """Every construct of the (type-annotated) statement that has no exact Athena answer here."""
    problems: list[str] = []
    for node in tree.walk():
        problem = None
        if isinstance(node, exp.Div):
            problem = _division(node)
        elif isinstance(node, exp.AtTimeZone):
            problem = _at_time_zone(node)
        elif isinstance(node, exp.FromISO8601Timestamp):
            problem = _iso_timestamp(node)
        elif isinstance(node, exp.Cast):
            problem = _cast(node)
        elif isinstance(node, ROUNDING):
            problem = _rounding(node)
        else:
            problem = _function(node)
        if problem and problem not in problems:
            problems.append(problem)
    return problems
