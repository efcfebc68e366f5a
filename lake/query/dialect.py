"""Where Trino and DuckDB disagree after sqlglot's transpilation, small rewrites make
DuckDB answer as Athena would.

- ``date_trunc`` and ``date_add`` (day and coarser) on a DATE return a DATE in Trino, a
  TIMESTAMP in DuckDB: the result is cast back when the argument is known to be a date (a
  DATE literal or cast, or a column whose type is DATE in a table the query reads).
- ``format_datetime`` (Joda patterns) has no DuckDB twin: it becomes ``strftime``.
- Integer division (``7 / 2 = 3``) is a connection setting (``QueryEngine``).
- A DECIMAL divided by a number stays a DECIMAL of the same scale in Trino, a DOUBLE in DuckDB:
  cast back when the dividend is known to be a decimal (a cast, a decimal column, or SUM/MIN/MAX of one).
"""

from __future__ import annotations

import re

from sqlglot import exp

_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
_JODA = [("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"),
         ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSS", "%g"), ("EEEE", "%A"),
         ("EEE", "%a"), ("a", "%p"), ("ZZ", "%z"), ("D", "%j")]


def _is_date(node: exp.Expression, date_columns: set[str]) -> bool:
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.DATE)
    if isinstance(node, (exp.CurrentDate, exp.StrToDate, exp.TsOrDsToDate)):
        return True
    return isinstance(node, exp.Column) and node.name.lower() in date_columns


def _decimal_scale(node: exp.Expression, decimals: dict[str, int]) -> int | None:
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DECIMAL):
        params = node.to.expressions
        return int(params[1].name) if len(params) > 1 else 0
    if isinstance(node, exp.Column):
        return decimals.get(node.name.lower())
    if isinstance(node, (exp.Sum, exp.Min, exp.Max)):
        return _decimal_scale(node.this, decimals)
    return None


def joda_to_strftime(pattern: str) -> str:
    tokens = "|".join(re.escape(j) for j, _ in _JODA)
    mapping = dict(_JODA)
    return re.sub(tokens, lambda m: mapping[m.group(0)], pattern)


def rewrite(tree: exp.Expression, date_columns: set[str],
            decimal_columns: dict[str, int] | None = None) -> exp.Expression:
    decimals = decimal_columns or {}

    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Div) and not node.meta.get("lake_done"):
            scale = _decimal_scale(node.this, decimals)
            if scale is not None:
                node.meta["lake_done"] = True
                return exp.cast(node, exp.DataType.build(f"DECIMAL(38, {scale})"))
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc, exp.DateAdd)) and not node.meta.get("lake_done"):
            unit = node.args.get("unit")
            if unit is not None and unit.name.upper() in _DATE_UNITS and _is_date(node.this, date_columns):
                node.meta["lake_done"] = True
                return exp.cast(node, exp.DataType.build("DATE"))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "format_datetime":
            args = node.expressions
            if len(args) == 2 and isinstance(args[1], exp.Literal) and args[1].is_string:
                return exp.TimeToStr(this=args[0], format=exp.Literal.string(joda_to_strftime(args[1].this)))
        return node

    return tree.transform(fix)
