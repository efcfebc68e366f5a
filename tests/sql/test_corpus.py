"""The differential corpus on both engines, through the product's own paths.

DuckDB: ``lake query``'s engine (QueryEngine.execute: its check, lake.sql's rewrite, its connection
settings). Spark: the projection build's transpile (lake.sql.to_spark with the inputs' schema) inside
the build's session settings (athena_session), on the one shared SparkSession. Every case must give
Trino's documented answer on both, fail on both, or be refused as "not supported" on both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from lake.config import load_config
from lake.home import LakeHome
from lake.query import QueryEngine
from lake.query.engine import QueryError
from lake.sql import NotSupported, to_spark
from lake.sql.spark import athena_session
from tests.conftest import ZONES
from tests.sql.corpus import ANSWERED, FAILING, REFUSED, norm, same_rows, trino_type, want_types

ids = lambda cases: [c["id"] for c in cases]  # noqa: E731


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QueryEngine:
    return QueryEngine(load_config(ZONES), LakeHome(Path(tmp_path_factory.mktemp("home"))), "finance")


def on_duckdb(engine: QueryEngine, sql: str) -> tuple[list[Any], list[str]]:
    rel = engine.execute(sql)
    return [norm(r) for r in rel.fetchall()], [trino_type(str(t), "duckdb") for t in rel.types]


def on_spark(spark: Any, sql: str) -> tuple[list[Any], list[str]]:
    with athena_session(spark):  # as lake.tasks.projections.build does
        df = spark.sql(to_spark(sql, {}))  # VALUES only: the inputs' schema is empty, as in a build
        rows = df.collect()
    return [norm(list(r)) for r in rows], [trino_type(f.dataType.simpleString(), "spark") for f in df.schema.fields]


@pytest.mark.parametrize("case", ANSWERED, ids=ids(ANSWERED))
def test_duckdb_answers_as_trino(engine: QueryEngine, case: dict[str, Any]) -> None:
    rows, types = on_duckdb(engine, case["sql"])
    assert same_rows(case, rows), f"{case['id']}: {rows}"
    if want_types(case):
        assert types == want_types(case)


@pytest.mark.slow  # ~85 small Spark queries: about half a minute on a quiet machine
@pytest.mark.parametrize("case", ANSWERED, ids=ids(ANSWERED))
def test_spark_answers_as_trino(spark: Any, case: dict[str, Any]) -> None:
    rows, types = on_spark(spark, case["sql"])
    assert same_rows(case, rows), f"{case['id']}: {rows}"
    if want_types(case):
        assert types == want_types(case)


@pytest.mark.parametrize("case", FAILING, ids=ids(FAILING))
def test_both_engines_fail_where_trino_fails(engine: QueryEngine, spark: Any, case: dict[str, Any]) -> None:
    with pytest.raises((QueryError, duckdb.Error)):
        on_duckdb(engine, case["sql"])
    with pytest.raises(Exception) as err:  # noqa: PT011 - Spark raises its own runtime error classes
        on_spark(spark, case["sql"])
    assert not isinstance(err.value, (NotSupported, AssertionError))


@pytest.mark.parametrize("case", REFUSED, ids=ids(REFUSED))
def test_both_paths_refuse_what_is_not_supported(engine: QueryEngine, case: dict[str, Any]) -> None:
    with pytest.raises(QueryError, match="not supported") as err:
        engine.execute(case["sql"])
    assert case["not_supported"] in str(err.value)
    with pytest.raises(NotSupported, match="not supported"):
        to_spark(case["sql"], {})


def test_athena_session_is_scoped_to_the_build(spark: Any) -> None:
    """ANSI mode holds for a projection build only: promotion and Python projections share the session."""
    before = spark.conf.get("spark.sql.ansi.enabled", None)
    with athena_session(spark):
        assert spark.conf.get("spark.sql.ansi.enabled") == "true"
        with pytest.raises(Exception, match="DIVIDE_BY_ZERO"):  # noqa: PT011 - Spark's own error class
            spark.sql("SELECT 1 DIV 0").collect()
    assert spark.conf.get("spark.sql.ansi.enabled", None) == before
