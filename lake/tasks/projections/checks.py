"""Run a projection's declared tests (lake/config/projection_tests.py) on its new, not yet current result.

Each test is one Spark query returning the failing rows (none: passed), so every kind reports the
same way: how many rows failed and a few of them. The queries read the candidate table and, for
``relationships`` and custom SQL, other tables the zone may read; they pass the same guard as the
projection itself (lake/tasks/projections/guard.py). Example values of PII columns are masked: the
examples go to alerts and to the run log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import SparkSession
from sqlglot import exp

from lake.config import LakeConfig, Projection
from lake.config.pii_lineage import table_info
from lake.config.projection import parse_sql
from lake.config.projection_guard import check_spark_sql
from lake.config.projection_tests import ProjectionTest
from lake.tasks.projections import guard

EXAMPLES = 3
MASK = "<pii>"


@dataclass
class TestResult:
    test: str
    passed: bool
    failing_rows: int = 0
    examples: list[dict[str, str | None]] = field(default_factory=list)
    error: str | None = None  # the test could not run (an unknown column in a Python projection ...)

    def describe(self) -> str:
        if self.error:
            return f"{self.test}: could not run: {self.error}"
        shown = "; ".join(", ".join(f"{k}={v}" for k, v in e.items()) for e in self.examples)
        return f"{self.test}: {self.failing_rows} failing row(s)" + (f", e.g. {shown}" if shown else "")


class TestsFailed(Exception):
    """A build whose result failed its tests: nothing was published."""

    def __init__(self, table: str, results: list[TestResult]):
        self.results = results
        failed = [r for r in results if not r.passed]
        super().__init__(f"tests failed on {table}: " + " | ".join(r.describe() for r in failed))


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _tbl(table: str) -> str:
    return ".".join(_q(part) for part in table.split("."))


def _literal(value: Any) -> str:
    return exp.convert(value).sql(dialect="spark")


def _custom(t: ProjectionTest, p: Projection, candidate: str) -> str:
    """The user's Athena query, its references to the projection pointed at the candidate."""
    tree = parse_sql(t.query)
    db, name = candidate.split(".")
    for node in list(tree.find_all(exp.Table)):
        if f"{node.db}.{node.name}".lower() == p.table:
            node.set("this", exp.to_identifier(name, quoted=True))
            node.set("db", exp.to_identifier(db))
    return tree.sql(dialect="spark")


def test_query(t: ProjectionTest, p: Projection, candidate: str) -> str:
    """Spark SQL returning the rows that fail ``t`` on ``candidate``."""
    src = _tbl(candidate)
    cols = [_q(c) for c in t.columns]
    if t.kind == "unique":
        present = " AND ".join(f"{c} IS NOT NULL" for c in cols) if len(cols) == 1 else "true"
        return (f"SELECT {', '.join(cols)}, count(*) AS duplicates FROM {src} WHERE {present} "
                f"GROUP BY {', '.join(cols)} HAVING count(*) > 1")
    if t.kind == "not_null":
        return f"SELECT * FROM {src} WHERE {cols[0]} IS NULL"
    if t.kind == "accepted_values":
        allowed = ", ".join(_literal(v) for v in t.values)
        return (f"SELECT {cols[0]} AS value, count(*) AS n FROM {src} "
                f"WHERE {cols[0]} IS NOT NULL AND {cols[0]} NOT IN ({allowed}) GROUP BY {cols[0]}")
    if t.kind == "relationships":
        return (f"SELECT c.{cols[0]} AS value, count(*) AS n FROM {src} AS c LEFT ANTI JOIN {_tbl(t.to)} AS r "
                f"ON c.{cols[0]} = r.{_q(t.to_column)} WHERE c.{cols[0]} IS NOT NULL GROUP BY c.{cols[0]}")
    if t.kind == "row_count":
        bounds = [f"count(*) < {t.min}"] if t.min is not None else []
        bounds += [f"count(*) > {t.max}"] if t.max is not None else []
        return f"SELECT count(*) AS row_count FROM {src} HAVING {' OR '.join(bounds)}"
    return _custom(t, p, candidate)


COUNTS = ("duplicates", "n", "row_count")  # what the generated queries count: never PII


def _masker(cfg: LakeConfig, p: Projection, t: ProjectionTest) -> Any:
    info = table_info(cfg, p.table)
    own = set(info.columns or ())

    def masked(column: str) -> bool:
        if t.kind != "sql":
            return column not in COUNTS and info.carries(t.columns[0] if column == "value" else column)
        if column not in own:  # computed by the user's query: PII if anything here is
            return info.any_pii or info.columns is None
        return info.carries(column)
    return masked


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:100]


def run_tests(spark: SparkSession, cfg: LakeConfig, p: Projection, candidate: str) -> list[TestResult]:
    """Every test of ``p`` on ``candidate`` (a table holding the new result)."""
    allowed = guard.allowed_inputs(cfg, p) | cfg.readable_by(p.zone) | {candidate.lower()}
    results = []
    for t in p.tests:
        query = test_query(t, p, candidate)
        try:
            if t.kind == "sql":
                guard.deny(p, [str(e) for e in check_spark_sql(query, allowed)])
            df = spark.sql(query)  # analysis only
            guard.deny(p, guard.plan_violations(spark, df, allowed))
            rows = df.limit(EXAMPLES).collect()
            n = df.count() if len(rows) == EXAMPLES else len(rows)
        except Exception as err:  # noqa: BLE001 - a test that cannot run fails: the result is unchecked
            first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
            results.append(TestResult(t.name, False, error=first))
            continue
        masked = _masker(cfg, p, t)
        examples = [{k: MASK if masked(k.lower()) else _text(v) for k, v in r.asDict().items()} for r in rows]
        results.append(TestResult(t.name, n == 0, n, examples))
    return results
