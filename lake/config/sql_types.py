"""Type errors Athena (Trino) raises that the local engines let through.

Spark and DuckDB cast silently (``sum(varchar)``, ``date = 3``, ``'a' + 1``, ``'a' || 1``); Athena refuses them
("'=' cannot be applied to date, integer"). Checked on sqlglot's annotated tree. Only types
that are known on both sides are compared: an unknown type never produces an error, and only the
innermost wrong expression is reported, not everything built from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlglot import exp

T = exp.DataType.Type
_COMPARE: dict[type, str] = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=",
            exp.NullSafeEQ: "IS NOT DISTINCT FROM", exp.NullSafeNEQ: "IS DISTINCT FROM"}
_ARITHMETIC: dict[type, str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.IntDiv: "/"}
_QUANTIFIED = (exp.Any, exp.All, exp.Subquery, exp.Query)
_NUMERIC_AGGREGATES = (exp.Sum, exp.Avg, exp.Stddev, exp.StddevPop, exp.StddevSamp, exp.Variance,
                       exp.VariancePop, exp.Round, exp.Ceil, exp.Floor, exp.Sign, exp.Trunc)  # and the rounding
# string functions: Athena has no upper(decimal) or substr(date) (Spark and DuckDB cast the argument to text)
_STRING_FUNCTIONS = (exp.Upper, exp.Lower, exp.Length, exp.Substring, exp.StrPosition, exp.Trim, exp.Replace,
                     exp.RegexpLike, exp.RegexpExtract, exp.RegexpReplace, exp.SplitPart, exp.Split, exp.Pad,
                     exp.StartsWith, exp.Reverse)


def kind(dt: exp.DataType | None) -> str | None:
    """The family a type belongs to, as Athena's operators see it; None when unknown."""
    if dt is None:
        return None
    t = dt.this
    if t in exp.DataType.NUMERIC_TYPES:
        return "number"
    if t in exp.DataType.TEXT_TYPES:
        return "string"
    if t in (T.DATE, T.DATE32):
        return "date"
    if t in exp.DataType.TEMPORAL_TYPES:
        return "timestamp"
    if t == T.BOOLEAN:
        return "boolean"
    if t == T.INTERVAL:
        return "interval"
    return None


def _shown(dt: exp.DataType | None) -> str:
    return dt.sql(dialect="trino").lower() if dt is not None else "?"


def _snippet(node: Any, bare: set[int]) -> str:
    """The expression as the user wrote it: without the qualifiers sqlglot added to bare columns."""
    def unqualify(n: Any) -> Any:
        return exp.column(n.this) if isinstance(n, exp.Column) and n.this.meta.get("start") in bare else n
    text = node.copy().transform(unqualify).sql(dialect="trino", comments=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _compare(node: Any, left: Any, right: Any, op: str, bare: set[int]) -> str | None:
    if isinstance(left, _QUANTIFIED) or isinstance(right, _QUANTIFIED):
        return None  # x = ANY (subquery): sqlglot types the quantifier, not the values compared
    a, b = kind(left.type), kind(right.type)
    if a is None or b is None or a == b or {a, b} == {"date", "timestamp"}:
        return None
    hint = ""
    if {a, b} & {"date", "timestamp"} and "string" in {a, b}:
        hint = " (write a date literal: DATE '2024-01-31', or cast)"
    return f"'{op}' cannot be applied to {_shown(left.type)}, {_shown(right.type)}: {_snippet(node, bare)}{hint}"


def _arithmetic(node: Any, bare: set[int]) -> str | None:
    left, right, op = node.left, node.right, _ARITHMETIC[type(node)]
    a, b = kind(left.type), kind(right.type)
    if a is None or b is None:
        return None
    bad = {a, b} & {"string", "boolean"}
    temporal = {a, b} & {"date", "timestamp"}
    if not bad and temporal and "number" in {a, b}:
        return (f"'{op}' cannot be applied to {_shown(left.type)}, {_shown(right.type)}: {_snippet(node, bare)} "
                "(add an INTERVAL, or use date_add)")
    if bad:
        return f"'{op}' cannot be applied to {_shown(left.type)}, {_shown(right.type)}: {_snippet(node, bare)}"
    return None


def _concat(node: Any, bare: set[int]) -> str | None:
    """Athena's ``||`` joins strings (or arrays) only; Spark and DuckDB cast a number or date silently."""
    a, b = kind(node.left.type), kind(node.right.type)
    if a is None or b is None or a == b or "string" not in {a, b}:
        return None
    return (f"'||' cannot be applied to {_shown(node.left.type)}, {_shown(node.right.type)}: "
            f"{_snippet(node, bare)} (cast to varchar)")


def _problem(node: Any, bare: set[int]) -> str | None:
    if isinstance(node, exp.DPipe):
        return _concat(node, bare)
    if type(node) in _COMPARE:
        return _compare(node, node.left, node.right, _COMPARE[type(node)], bare)
    if isinstance(node, exp.Between):
        for bound in (node.args.get("low"), node.args.get("high")):
            if bound is not None and (msg := _compare(node, node.this, bound, "BETWEEN", bare)):
                return msg
    if isinstance(node, exp.In):
        for item in node.expressions:
            if msg := _compare(node, node.this, item, "IN", bare):
                return msg
    if type(node) in _ARITHMETIC:
        return _arithmetic(node, bare)
    if isinstance(node, _NUMERIC_AGGREGATES):
        arg = node.this
        k = kind(arg.type)
        if k is not None and k not in ("number", "interval"):
            name = node.sql_name().lower()
            return f"{name}() needs a number, not {_shown(arg.type)}: {_snippet(node, bare)}"
    if isinstance(node, _STRING_FUNCTIONS) and kind(node.this.type) in ("number", "date", "timestamp", "boolean"):
        name = node.sql(dialect="trino").split("(")[0].lower()
        return f"{name}() needs a varchar, not {_shown(node.this.type)}: {_snippet(node, bare)} (cast to varchar)"
    if isinstance(node, exp.Concat):
        kinds = [kind(a.type) for a in node.expressions]
        if any(k in ("number", "date", "timestamp", "boolean") for k in kinds):
            shown = ", ".join(_shown(a.type) for a in node.expressions)
            return f"concat() cannot be applied to {shown}: {_snippet(node, bare)} (cast to varchar)"
    if isinstance(node, (exp.Where, exp.Having)) or (isinstance(node, exp.Join) and node.args.get("on")):
        cond = node.args.get("on") if isinstance(node, exp.Join) else node.this
        if cond is None:
            return None
        k = kind(cond.type)
        if k is not None and k != "boolean":
            clause = "ON" if isinstance(node, exp.Join) else node.key.upper()
            return f"{clause} needs a boolean condition, not {_shown(cond.type)}: {_snippet(cond, bare)}"
    return None


def type_problems(tree: exp.Expression, bare: set[int]) -> Iterator[tuple[Any, str]]:
    """(node, message) for each type error; ``bare``: start offsets of the columns written unqualified."""
    found = [(node, msg) for node in tree.walk() if (msg := _problem(node, bare))]
    wrong = {id(node) for node, _ in found}
    for node, msg in found:  # innermost only: what is built from a wrong expression is not reported
        if not any(id(d) in wrong for d in node.walk() if d is not node):
            yield node, msg
