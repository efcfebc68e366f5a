"""Athena (Trino) types of the expressions of a statement.

sqlglot's annotator does the resolution work (columns through scopes, CTEs, subqueries and VALUES,
with the schema of the tables read). It runs on a qualified *copy* of the tree, so the statement an
engine runs is not rewritten by qualification; the types are carried back by node id. On top of it,
``type_of`` applies Trino's own rules where sqlglot's generic ones differ: ``1.5`` is DECIMAL(2,1),
not DOUBLE; integer and decimal arithmetic, ``sum`` and ``avg`` follow Trino's result types.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

T = exp.DataType.Type
Schema = dict[str, dict[str, dict[str, str]]]  # db -> table -> column -> type (Trino spelling)
INTEGERS = {T.TINYINT: 1, T.SMALLINT: 2, T.INT: 3, T.BIGINT: 4}
FLOATS = {T.DOUBLE, T.FLOAT}
# Functions Trino types BIGINT (functions/datetime.html, string.html, array.html); Spark answers INT.
BIGINT_FUNCTIONS: tuple[type, ...] = tuple(getattr(exp, n) for n in (
    "Length", "StrPosition", "ArraySize", "DateDiff", "Extract", "Year", "Quarter", "Month", "WeekOfYear", "Week",
    "Day", "DayOfMonth", "DayOfWeek", "DayOfWeekIso", "DayOfYear", "YearOfWeek", "Hour", "Minute", "Second"))
_DIGITS = {T.TINYINT: 3, T.SMALLINT: 5, T.INT: 10, T.BIGINT: 19}  # as decimal(p, 0) in decimal arithmetic
_KEY = "lake_tid"


def annotate(tree: exp.Expr, schema: Schema | None) -> None:
    """Record sqlglot's type of every node of ``tree`` (in ``node.meta``), from a qualified copy."""
    for i, node in enumerate(tree.walk()):
        node.meta[_KEY] = i
    copy = tree.copy()
    for lit in list(copy.find_all(exp.Literal)):  # Trino reads 1.5 as DECIMAL(2,1)
        dec = literal_type(lit)
        if dec is not None and dec.this == T.DECIMAL and not isinstance(lit.parent, exp.Cast):
            lit.replace(exp.Cast(this=lit.copy(), to=dec))
    # Where qualification fails, columns stay UNKNOWN: what needs their type is then refused, never guessed.
    with contextlib.suppress(sqlglot.errors.SqlglotError, AssertionError, KeyError, ValueError):
        copy = qualify(copy, schema=dict(schema or {}), dialect="trino", validate_qualify_columns=False,
                       quote_identifiers=False, identify=False)
    try:
        annotate_types(copy, schema=dict(schema or {}), dialect="trino", expression_metadata=athena_metadata())
    except (sqlglot.errors.SqlglotError, AssertionError, KeyError, ValueError):
        return
    found = {n.meta[_KEY]: n.type for n in copy.walk() if _KEY in n.meta and n.type is not None}
    for node in tree.walk():
        if node.meta.get(_KEY) in found:
            node.meta["sqlglot_type"] = found[node.meta[_KEY]]


_DECIMAL_TEXT = re.compile(r"^\s*[+-]?(\d*)(?:\.(\d*))?\s*$")


def trino_decimals(tree: exp.Expr) -> None:
    """Spell out the DECIMAL a statement leaves bare, as Trino reads it (Spark reads a bare DECIMAL as
    decimal(10,0), DuckDB as decimal(18,3)): the typed literal ``DECIMAL '1.005'`` is decimal(4,3), its own
    digits; any other bare DECIMAL (``CAST(x AS DECIMAL)``) is decimal(38,0)."""
    for node in list(tree.find_all(exp.DataType)):
        if node.this != T.DECIMAL or node.expressions:
            continue
        parent, p, s = node.parent, 38, 0
        # sqlglot parses the typed literal as a Cast without CAST's own arguments (format, safe, ...)
        literal = isinstance(parent, exp.Cast) and "format" not in parent.args and parent.args.get("to") is node \
            and isinstance(parent.this, exp.Literal) and parent.this.is_string
        if literal and (m := _DECIMAL_TEXT.match(parent.this.this)) and (m[1] or m[2]):  # type: ignore[union-attr]
            s = len(m[2] or "")
            p = max(len(m[1].lstrip("0")) + s, 1)
        node.replace(exp.DataType.build(f"DECIMAL({p}, {s})"))


def literal_type(lit: exp.Literal) -> exp.DataType | None:
    if lit.is_string:
        return exp.DataType.build("VARCHAR")
    text = lit.this.lower()
    if "e" in text:
        return exp.DataType.build("DOUBLE")
    if "." in text:
        whole, frac = text.split(".")
        digits = len(whole.lstrip("-").lstrip("0")) + len(frac)
        return exp.DataType.build(f"DECIMAL({max(digits, 1, len(frac))}, {len(frac)})")
    return exp.DataType.build("INT" if abs(int(text)) < 2**31 else "BIGINT")


def decimal_ps(t: exp.DataType | None) -> tuple[int, int] | None:
    """(precision, scale) of a decimal type, or of an integer type as Trino widens it in decimal arithmetic."""
    if t is None:
        return None
    if t.this in _DIGITS:
        return _DIGITS[t.this], 0
    if t.this == T.DECIMAL:
        params = [int(p.name) for p in t.expressions if p.name.isdigit()]
        if not params:
            return None
        return params[0], params[1] if len(params) > 1 else 0
    return None


def decimal(p: int, s: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({min(p, 38)}, {s})")


def is_kind(t: exp.DataType | None, kinds: Any) -> bool:
    return t is not None and t.this in kinds


def _arith(node: exp.Binary) -> exp.DataType | None:
    left, right = type_of(node.this), type_of(node.expression)
    if left is None or right is None:
        return None
    if is_kind(left, FLOATS) or is_kind(right, FLOATS):
        return exp.DataType.build("DOUBLE")
    if is_kind(left, INTEGERS) and is_kind(right, INTEGERS):
        return left if INTEGERS[left.this] >= INTEGERS[right.this] else right
    a, b = decimal_ps(left), decimal_ps(right)
    if a is None or b is None:
        return None
    (p1, s1), (p2, s2) = a, b
    if isinstance(node, (exp.Add, exp.Sub)):
        return decimal(1 + max(s1, s2) + max(p1 - s1, p2 - s2), max(s1, s2))
    if isinstance(node, exp.Mul):
        return decimal(p1 + p2, s1 + s2)
    if isinstance(node, exp.Div):
        return decimal(p1 + s2 + max(0, s2 - s1), max(s1, s2))
    return decimal(min(p2 - s2, p1 - s1) + max(s1, s2), max(s1, s2))  # mod


def _aggregate(node: exp.Expr) -> exp.DataType | None:
    arg = type_of(node.this)
    if isinstance(node, (exp.Count, exp.CountIf, exp.ApproxDistinct)):
        return exp.DataType.build("BIGINT")
    if arg is None:
        return None
    if isinstance(node, exp.Sum):
        if is_kind(arg, INTEGERS):
            return exp.DataType.build("BIGINT")
        ps = decimal_ps(arg) if arg.this == T.DECIMAL else None
        return decimal(38, ps[1]) if ps else (arg if is_kind(arg, FLOATS) else None)
    if isinstance(node, exp.Avg):
        if arg.this == T.DECIMAL:
            return arg if decimal_ps(arg) else None
        return exp.DataType.build("DOUBLE") if is_kind(arg, set(INTEGERS) | FLOATS) else None
    return arg  # min, max


ROUNDING: tuple[type, ...] = (exp.Round, exp.Ceil, exp.Floor, exp.Sign, exp.Trunc)


def _rounding(node: exp.Expr) -> exp.DataType | None:
    """round, ceil/ceiling, floor, sign, truncate as Trino types them (MathFunctions: "same as input" in the
    docs; for decimals round(x) decimal(p - s + min(1, s), 0), round(x, d) decimal(p + 1, s), truncate(x)
    decimal(max(1, p - s), 0), truncate(x, d) decimal(p, s), sign decimal(1, 0))."""
    arg = type_of(node.this)
    if arg is None or (isinstance(node, exp.Trunc) and is_kind(arg, INTEGERS)):
        return None  # truncate has no integer form in Trino
    if is_kind(arg, FLOATS | set(INTEGERS)):
        return arg
    ps = decimal_ps(arg) if arg.this == T.DECIMAL else None
    if ps is None:
        return None
    p, s = ps
    places = node.args.get("decimals") is not None
    if isinstance(node, exp.Sign):
        return decimal(1, 0)
    if isinstance(node, exp.Trunc):
        return decimal(p, s) if places else decimal(max(1, p - s), 0)
    if isinstance(node, exp.Round) and places:
        return decimal(p + 1, s)
    return decimal(p - s + min(1, s), 0)


_TRINO_RULES: dict[type, Any] = {
    exp.Literal: lambda n: literal_type(n) if not n.is_string else None,
    **{cls: _arith for cls in (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)},
    exp.Sum: _aggregate, exp.Avg: _aggregate,
    **{cls: _rounding for cls in ROUNDING},
    **{cls: lambda n: exp.DataType.build("BIGINT") for cls in BIGINT_FUNCTIONS},
}


def _with_trino_rule(cls: type, spec: dict[str, Any]) -> dict[str, Any]:
    def annotate(annotator: Any, node: exp.Expr) -> None:
        if base := spec.get("annotator"):
            base(annotator, node)
        elif returns := spec.get("returns"):
            annotator._set_type(node, returns)
        if (trino := _TRINO_RULES[cls](node)) is not None:
            annotator._set_type(node, trino)
    return {**spec, "annotator": annotate}


def athena_metadata() -> dict[type, dict[str, Any]]:
    """sqlglot's Trino type annotators with Trino's own result types where sqlglot's generic ones differ
    (``1.5`` is DECIMAL(2,1), ``sum(decimal(p,s))`` DECIMAL(38,s), ``avg`` keeps DECIMAL(p,s), decimal
    arithmetic's precision and scale): pass as ``annotate_types(..., expression_metadata=...)``. Children
    are typed first, so a column read from a CTE or subquery carries the corrected type outwards."""
    base = Dialect.get_or_raise("trino").EXPRESSION_METADATA
    return {**base, **{cls: _with_trino_rule(cls, base.get(cls, {})) for cls in _TRINO_RULES}}


def type_of(node: exp.Expr | None) -> exp.DataType | None:
    """The Athena type of ``node``; None when it cannot be told."""
    if node is None:
        return None
    if isinstance(node, exp.Literal):
        return literal_type(node)
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to
    if isinstance(node, (exp.Paren, exp.Neg, exp.Alias)):
        return type_of(node.this)
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
        return _arith(node)
    if isinstance(node, (exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Count, exp.CountIf, exp.ApproxDistinct)):
        return _aggregate(node)
    if isinstance(node, ROUNDING):
        return _rounding(node)  # type: ignore[arg-type]
    if isinstance(node, exp.Window):
        return type_of(node.this)
    if isinstance(node, BIGINT_FUNCTIONS):
        return exp.DataType.build("BIGINT")
    found = node.meta.get("sqlglot_type") or node.type  # node.type: a tree annotated in place (compile)
    if found is None or found.this in (T.UNKNOWN, T.NULL):
        return None
    return found
