"""The second wall on its own: DuckDB's lock stops the escapes even when the query check is skipped,
and ``lake.connect`` hands out results only, with grants fixed when it opens. Allowed queries still work."""

from __future__ import annotations

import pickle
from pathlib import Path

import duckdb
import pytest

import lake
from lake.query import AccessDenied, QueryEngine
from tests.query.hostile import PII, SECRET

pytestmark = pytest.mark.spark

STAGED = "{home}/staging/finance/expenses/**/*.parquet"
RAW = {
    "read_parquet": f"SELECT * FROM read_parquet('{STAGED}')",
    "replacement scan": f"SELECT * FROM '{STAGED}'",
    "landing csv": "SELECT * FROM read_csv_auto('{home}/landing/finance/expenses/**/*.csv')",
    "any file": "SELECT * FROM read_text('{home}/platform/secret.txt')",
    "iceberg_scan": "SELECT * FROM iceberg_scan('{home}/warehouse/finance_ods/expenses')",
    "path escaping a granted folder": ("SELECT * FROM read_parquet('{home}/warehouse/finance_analytics/"
                                       "expense_summary/../../finance_ods/expenses/data/*.parquet')"),
    "glob": "SELECT * FROM glob('{home}/**')",
    "attach": "ATTACH '{home}/platform/ledger.sqlite' AS l",
    "copy out": "COPY (SELECT 1) TO '{home}/leak.csv'",
    "export": "EXPORT DATABASE '{home}/export'",
    "re-enable access": "SET enable_external_access = true",
    "reset": "RESET enable_external_access",
    "unlock": "SET lock_configuration = false",
    "widen": "SET allowed_directories = ['/']",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
}


def _executive(hostile) -> QueryEngine:  # noqa: ANN001
    return QueryEngine(hostile.lake.ctx.cfg, hostile.lake.ctx.home, "executive")


@pytest.mark.parametrize("name", sorted(RAW))
def test_the_locked_connection_refuses_on_its_own(hostile, name: str) -> None:  # noqa: ANN001
    con = _executive(hostile)._con  # as if the check had been bypassed
    with pytest.raises(duckdb.Error) as err:
        print(con.sql(RAW[name].format(home=hostile.home)).fetchall())
    assert SECRET not in str(err.value) and PII not in str(err.value)
    assert not (hostile.home / "leak.csv").exists() and not (hostile.home / "export").exists()


def test_staged_pii_is_out_of_the_connections_reach_for_ordinary_readers(hostile) -> None:  # noqa: ANN001
    cfg, home = hostile.lake.ctx.cfg, hostile.lake.ctx.home
    fin, aud = QueryEngine(cfg, home, "finance"), QueryEngine(cfg, home, principal="finance_auditor")
    with pytest.raises(duckdb.PermissionException):  # staging holds the address in clear
        fin._con.sql(RAW["read_parquet"].format(home=hostile.home)).fetchall()
    mine, theirs = (e.arrow("SELECT * FROM finance_staging.expenses ORDER BY expense_id") for e in (fin, aud))
    assert mine.column_names == [c for c in theirs.column_names if c != "employee_email"]
    assert mine.to_pylist() == theirs.drop_columns(["employee_email"]).to_pylist()
    assert PII in theirs.column("employee_email").to_pylist() and PII not in str(mine.to_pylist())


def test_a_refusal_inside_duckdb_reads_as_access_denied(hostile, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    engine = _executive(hostile)
    monkeypatch.setattr(engine, "check", lambda sql: sql)  # the first wall gone
    with pytest.raises(AccessDenied, match="^access denied: zone executive cannot read"):
        engine.arrow(f"SELECT * FROM read_parquet('{STAGED.format(home=hostile.home)}')")


def test_lake_connect_exposes_results_only_and_cannot_be_changed(hostile) -> None:  # noqa: ANN001
    ex = lake.connect(zone="executive", home=hostile.home)
    for attr in ("engine", "con", "_con", "_engine", "grants", "readable", "__dict__"):
        assert not hasattr(ex, attr), attr
    for name in dir(ex):
        assert not isinstance(getattr(ex, name), (duckdb.DuckDBPyConnection, duckdb.DuckDBPyRelation, QueryEngine))
    with pytest.raises(AttributeError, match="cannot be changed"):
        ex._tables = ("finance_ods.expenses",)  # type: ignore[misc]
    with pytest.raises(AttributeError, match="cannot be changed"):
        ex.engine = None  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        pickle.dumps(ex)
    tables = ex.tables()
    assert isinstance(tables, tuple) and "finance_ods.expenses" not in tables
    with pytest.raises(AccessDenied):
        ex.sql("SELECT * FROM finance_ods.expenses")
    with pytest.raises(ValueError, match="pandas or arrow"):
        ex.sql("SELECT 1 AS a", output="relation")  # type: ignore[arg-type]


def test_a_connection_dug_out_of_memory_is_still_locked(hostile) -> None:  # noqa: ANN001
    ex = lake.connect(zone="executive", home=hostile.home)
    engine = ex._query.__closure__[0].cell_contents  # introspection: what an attacker in the process would do
    assert isinstance(engine, QueryEngine)
    con = engine._con
    for sql in (RAW["read_parquet"], RAW["re-enable access"], RAW["attach"]):
        with pytest.raises(duckdb.Error):
            con.sql(sql.format(home=hostile.home)).fetchall()


def _rows(hostile, sql: str, zone: str = "finance") -> list[dict]:  # noqa: ANN001
    return lake.connect(zone=zone, home=hostile.home).sql(sql, output="arrow").to_pylist()


def test_allowed_queries_still_work(hostile) -> None:  # noqa: ANN001
    assert {r["description"] for r in _rows(hostile, "SELECT description FROM finance_ods.expenses")} == {SECRET, None}
    assert len(_rows(hostile, 'SELECT * FROM "FINANCE_STAGING"."Expenses"')) == 2  # as DuckDB resolves names
    assert _rows(hostile, "SELECT count(*) AS n FROM finance_analytics.expense_summary", "executive") == [{"n": 2}]
    old = _rows(hostile, f"SELECT count(*) AS n FROM finance_ods.expenses FOR VERSION AS OF {hostile.snapshot_id}")
    assert old == [{"n": 2}]
    # one load: the empty base of the promotion's audit branch, then the load's own snapshot
    assert _rows(hostile, 'SELECT count(*) AS n FROM finance_ods."expenses$snapshots"') == [{"n": 2}]
    assert _rows(hostile, "WITH x AS (SELECT * FROM finance_ods.expenses) SELECT count(*) AS n FROM x "
                          "JOIN (SELECT * FROM x) y USING (expense_id)") == [{"n": 2}]
    ledger = _rows(hostile, "SELECT DISTINCT zone FROM platform.ingest_ledger")
    assert ledger == [{"zone": "finance"}]
    assert _rows(hostile, "SELECT count(*) AS n FROM platform.ingest_ledger", "executive") == [{"n": 0}]
    assert {r["zone"] for r in _rows(hostile, "SELECT zone FROM platform.runs", "executive")} <= {"executive"}


def test_a_fresh_lake_home_has_empty_platform_tables(tmp_path: Path) -> None:
    fresh = lake.connect(zone="finance", home=tmp_path / "home")
    for table in fresh.tables():
        if table.startswith("platform."):
            assert fresh.sql(f"SELECT * FROM {table}", output="arrow").num_rows == 0, table
    ledger = fresh.sql("SELECT * FROM platform.ingest_ledger", output="arrow")
    assert {"ingest_id", "zone", "dataset", "outcome", "rows_staged"} <= set(ledger.column_names)
    assert str(ledger.schema.field("rows_staged").type) == "int64"
