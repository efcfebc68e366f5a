"""Athena (Trino) SQL as analysts write it, answered by DuckDB as Trino would answer it.

Runs on an empty lake: the data comes from VALUES and literals, so no Spark is needed;
one query reads a contract-typed (empty) ODS table to check date typing from the schema.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lake.config import load_config
from lake.home import LakeHome
from lake.output import write
from lake.query import QueryEngine
from tests.conftest import ZONES


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QueryEngine:
    return QueryEngine(load_config(ZONES), LakeHome(Path(tmp_path_factory.mktemp("home"))), "finance")


CASES = [
    ("SELECT date_trunc('month', TIMESTAMP '2026-11-15 10:30:00') AS v", [(datetime(2026, 11, 1),)]),
    ("SELECT date_trunc('month', DATE '2026-11-15') AS v", [(date(2026, 11, 1),)]),
    ("SELECT date_add('day', 3, DATE '2026-11-01') AS v", [(date(2026, 11, 4),)]),
    ("SELECT date_add('month', 1, TIMESTAMP '2026-01-31 00:00:00') AS v", [(datetime(2026, 2, 28),)]),
    ("SELECT date_add('hour', 2, TIMESTAMP '2026-01-31 23:00:00') AS v", [(datetime(2026, 2, 1, 1),)]),
    ("SELECT date_diff('day', DATE '2026-11-01', DATE '2026-11-15') AS v", [(14,)]),
    ("SELECT from_iso8601_timestamp('2026-11-01T10:00:00+02:00') AS v", [(datetime(2026, 11, 1, 8, tzinfo=UTC),)]),
    ("SELECT from_iso8601_date('2026-11-01') AS v", [(date(2026, 11, 1),)]),
    ("SELECT date_format(TIMESTAMP '2026-11-15 10:30:00', '%Y-%m-%d %H:%i') AS v", [("2026-11-15 10:30",)]),
    ("SELECT format_datetime(TIMESTAMP '2026-11-15 10:30:00', 'yyyy-MM-dd HH:mm') AS v", [("2026-11-15 10:30",)]),
    ("SELECT date_parse('2026/11/15', '%Y/%m/%d') AS v", [(datetime(2026, 11, 15),)]),
    ("SELECT approx_distinct(x) AS v FROM (VALUES 1, 2, 2, 3) AS t(x)", [(3,)]),
    ("SELECT try_cast('abc' AS integer) AS a, try_cast('42' AS integer) AS b", [(None, 42)]),
    ("SELECT CAST('12.345' AS DECIMAL(10,2)) AS v", [(Decimal("12.35"),)]),
    ("SELECT CAST(x AS DECIMAL(12,2)) * 2 AS v FROM (VALUES '10.10') AS t(x)", [(Decimal("20.20"),)]),
    ("SELECT 7 / 2 AS i, 7.0 / 2 AS d", [(3, Decimal("3.5"))]),
    ("SELECT CAST(1 AS DECIMAL(10,2)) / 3 AS v", [(Decimal("0.33"),)]),
    ("SELECT sum(CAST(x AS DECIMAL(12,2))) / count(*) AS v FROM (VALUES '10.00', '10.01') AS t(x)",
     [(Decimal("10.01"),)]),
    ("SELECT x, row_number() OVER (ORDER BY x DESC) AS rn, "
     "sum(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run, "
     "lag(x) OVER (ORDER BY x) AS prev FROM (VALUES 1, 2, 3) AS t(x) ORDER BY x",
     [(1, 3, 1, None), (2, 2, 3, 1), (3, 1, 6, 2)]),
    ("SELECT k, rank() OVER (PARTITION BY k ORDER BY v DESC) AS r FROM (VALUES ('a', 1), ('a', 2), ('b', 1)) "
     "AS t(k, v) ORDER BY k, r", [("a", 1), ("a", 2), ("b", 1)]),
    ("SELECT t.v FROM UNNEST(ARRAY[1, 2, 3]) AS t(v)", [(1,), (2,), (3,)]),
    ("SELECT k, v FROM (VALUES ('a', ARRAY[1, 2])) AS s(k, arr) CROSS JOIN UNNEST(arr) AS u(v)", [("a", 1), ("a", 2)]),
    ("SELECT v, n FROM UNNEST(ARRAY['a', 'b']) WITH ORDINALITY AS t(v, n)", [("a", 1), ("b", 2)]),
    ("WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT y FROM b", [(2,)]),
    ("SELECT split('a,b,c', ',') AS v, cardinality(ARRAY[1, 2, 3]) AS c, element_at(ARRAY[10, 20], 2) AS e",
     [(["a", "b", "c"], 3, 20)]),
    ("SELECT regexp_like('abc', '^a') AS v, regexp_extract('a12b', '[0-9]+') AS e", [(True, "12")]),
    ("SELECT count_if(x > 1) AS v, if(true, 'y', 'n') AS i FROM (VALUES 1, 2, 3) AS t(x)", [(2, "y")]),
    ("SELECT array_sort(array_agg(x)) AS v FROM (VALUES 3, 1, 2) AS t(x)", [([1, 2, 3],)]),
    ("SELECT max_by(k, v) AS v FROM (VALUES ('a', 1), ('b', 2)) AS t(k, v)", [("b",)]),
    ("SELECT json_extract_scalar('{\"a\": {\"b\": 1}}', '$.a.b') AS v", [("1",)]),
    ("SELECT to_unixtime(TIMESTAMP '2026-01-01 00:00:00 UTC') AS v", [(1767225600.0,)]),
    ("SELECT * FROM (VALUES 1, 2, 3) AS t(x) ORDER BY x OFFSET 1 LIMIT 1", [(2,)]),
]


@pytest.mark.parametrize(("sql", "want"), CASES, ids=[c[0][:60] for c in CASES])
def test_trino_construct(engine: QueryEngine, sql: str, want: list[tuple]) -> None:
    assert engine.execute(sql).fetchall() == want


def test_date_columns_keep_their_type_from_the_contract(engine: QueryEngine) -> None:
    rel = engine.execute("SELECT date_trunc('month', e.expense_date) AS m, date_add('day', 1, expense_date) AS d "
                         "FROM finance_ods.expenses e")
    assert [str(t) for t in rel.types] == ["DATE", "DATE"]
    avg = engine.execute("SELECT sum(amount) / count(*) AS a, amount / 2 AS h "
                         "FROM finance_ods.expenses GROUP BY amount")
    # Trino keeps the scale: decimal(38,2) / bigint is decimal(38,2), decimal(12,2) / integer decimal(12,2)
    assert [str(t) for t in avg.types] == ["DECIMAL(38,2)", "DECIMAL(12,2)"]


def test_large_results_stream_in_batches(engine: QueryEngine) -> None:
    batches = engine.batches("SELECT x FROM UNNEST(sequence(1, 50000)) AS t(x)", rows=10_000)
    first = next(batches)
    assert first.num_rows <= 10_000  # the first batch arrives before the rest is computed
    out = io.StringIO()
    assert write(batches, "csv", out) == 50_000 - first.num_rows
