"""Quality gates from the contract's ODCS ``quality`` rules, evaluated on a staged batch.

Each library rule becomes a Spark boolean expression that is true for a failing row, so
``quarantine`` can hold exactly those rows back. pandera's PySpark backend reports only
failure summaries, not the failing rows that quarantine needs, so the expressions are ours;
they stay one line per ODCS metric.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lake.config import QualityRule

_OPS = {
    "mustBe": operator.eq, "mustNotBe": operator.ne, "mustBeGreaterThan": operator.gt,
    "mustBeGreaterOrEqualTo": operator.ge, "mustBeLessThan": operator.lt, "mustBeLessOrEqualTo": operator.le,
    "mustBeBetween": lambda v, t: t[0] <= v <= t[1], "mustNotBeBetween": lambda v, t: not t[0] <= v <= t[1],
}


@dataclass
class RuleResult:
    rule: str
    column: str | None
    metric: str
    action: str
    passed: bool
    failing_rows: int
    measured: float
    detail: str


def failing(rule: QualityRule, df: DataFrame) -> Column | None:
    """True where a row breaks the rule; None for table-level rules (rowCount)."""
    if rule.column is None:
        return None
    c = F.col(f"`{rule.column}`")
    args = rule.arguments
    if rule.metric == "nullValues":
        return c.isNull()
    if rule.metric == "missingValues":
        missing = [v for v in args.get("missingValues", [None, ""]) if v is not None]
        return c.isNull() | (c.cast("string").isin(missing) if missing else F.lit(False))
    if rule.metric == "invalidValues":
        bad = F.lit(False)
        if "validValues" in args:
            bad = bad | ~c.isin(args["validValues"])
        if "pattern" in args:
            bad = bad | ~c.cast("string").rlike(args["pattern"])
        if "minimum" in args:
            bad = bad | (c < F.lit(args["minimum"]))
        if "maximum" in args:
            bad = bad | (c > F.lit(args["maximum"]))
        return c.isNotNull() & bad
    if rule.metric == "duplicateValues":
        return c.isNotNull() & (F.count(F.lit(1)).over(Window.partitionBy(c)) > 1)
    raise ValueError(f"unsupported quality metric '{rule.metric}' in rule {rule.name}")


def flag(rules: tuple[QualityRule, ...], df: DataFrame) -> tuple[DataFrame, list[int]]:
    """Add a boolean column ``_q<i>`` per row-level rule i (true where the row fails it)."""
    flags = []
    for i, rule in enumerate(rules):
        expr = failing(rule, df)
        if expr is not None:
            df = df.withColumn(f"_q{i}", F.coalesce(expr, F.lit(False)))
            flags.append(i)
    return df, flags


def measures(rules: tuple[QualityRule, ...], flags: list[int]) -> list[Column]:
    """The aggregates every rule is measured by: failing rows per flag, the batch's rows (``_n``) and
    the rows a quarantine rule holds back (``_held``; a row may fail several)."""
    return [F.sum(F.col(f"_q{i}").cast("long")).alias(f"_q{i}") for i in flags] + [
        F.count(F.lit(1)).alias("_n"), F.sum(_held_rows(rules, flags).cast("long")).alias("_held")]


def results(rules: tuple[QualityRule, ...], counts: dict) -> list[RuleResult]:
    """Each rule's verdict from the ``measures`` of its batch."""
    out = []
    for i, rule in enumerate(rules):
        measured = counts["_n"] if rule.column is None else counts[f"_q{i}"] or 0
        passed = bool(_OPS[rule.operator](measured, rule.threshold))
        detail = f"{rule.metric} = {measured} ({rule.operator} {rule.threshold})"
        out.append(RuleResult(rule.name, rule.column, rule.metric, rule.action, passed,
                              0 if rule.column is None else int(measured), float(measured), detail))
    return out


def label(df: DataFrame, rules: tuple[QualityRule, ...], flags: list[int]) -> DataFrame:
    """Replace the ``_q<i>`` flags by ``_failed_rules``, the names of the rules the row fails."""
    failed_names = F.array_compact(F.array(*[F.when(F.col(f"_q{i}"), F.lit(rules[i].name)) for i in flags])) \
        if flags else F.array().cast("array<string>")
    return df.withColumn("_failed_rules", failed_names).drop(*[f"_q{i}" for i in flags])


def evaluate(rules: tuple[QualityRule, ...], df: DataFrame) -> tuple[DataFrame, list[RuleResult], int]:
    """Flag rows with the rules they fail (``_failed_rules``) and measure every rule in one pass.

    Returns the flagged rows, each rule's result, and the batch's row count (from the same pass).
    """
    df, flags = flag(rules, df)
    counts = df.agg(*measures(rules, flags)).collect()[0].asDict()
    return label(df, rules, flags), results(rules, counts), int(counts["_n"])


def split(df: DataFrame, rules: tuple[QualityRule, ...]) -> tuple[DataFrame, DataFrame]:
    """(rows to promote, rows to hold back): only rules whose action is quarantine hold rows back."""
    held = [r.name for r in rules if r.action == "quarantine"]
    if not held:
        return df, df.limit(0)
    hit = F.arrays_overlap(F.col("_failed_rules"), F.array(*[F.lit(n) for n in held]))
    return df.where(~hit), df.where(hit)



def _held_rows(rules: tuple[QualityRule, ...], flags: list[int]) -> Column:
    hit = F.lit(False)
    for i in flags:
        if rules[i].action == "quarantine":
            hit = hit | F.col(f"_q{i}")
    return hit


def kept(df: DataFrame, rules: tuple[QualityRule, ...], flags: list[int]) -> DataFrame:
    """``split``'s rows to promote, from rows still carrying their ``_q<i>`` flags: filtered on the
    booleans alone, without building each row's array of rule names."""
    return df.where(~_held_rows(rules, flags)).drop(*[f"_q{i}" for i in flags])


def held(df: DataFrame, rules: tuple[QualityRule, ...], flags: list[int]) -> DataFrame:
    """``split``'s rows to hold back (with ``_failed_rules``), from rows carrying their flags."""
    return label(df.where(_held_rows(rules, flags)), rules, flags)
