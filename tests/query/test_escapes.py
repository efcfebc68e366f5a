"""The escape corpus: every way out of a zone's grants we know of, tried through the public CLI.

The executive zone may read only what finance and customer_success publish to it. Each attempt
below must exit 1 with ``access denied`` and print neither finance's secret nor its PII value;
the same attempts straight at DuckDB (bypassing the check) are in test_escapes_duckdb.py.
"""

from __future__ import annotations

import pytest

from lake.cli import main
from tests.query.hostile import PII, SECRET

pytestmark = pytest.mark.spark

STAGED = "{home}/staging/finance/expenses"
GLOB = STAGED + "/**/*.parquet"
LANDED = "{home}/landing/finance/expenses/**/*.csv"
ODS = "{home}/warehouse/finance_ods/expenses"
FILE = "{home}/platform/secret.txt"

ESCAPES = {
    # paths as table names (DuckDB's replacement scans)
    "quoted path": f'SELECT * FROM "{GLOB}"',
    "string path": f"SELECT * FROM '{GLOB}'",
    "landing csv": f'SELECT * FROM "{LANDED}"',
    "any file": f'SELECT * FROM "{FILE}"',
    "path beside a cte": f'WITH x AS (SELECT 1 AS a) SELECT * FROM x, "{GLOB}"',
    "cte in another scope": f'SELECT * FROM (WITH "{GLOB}" AS (SELECT 1) SELECT 1) t, "{GLOB}"',
    "cte named like a path": f'WITH "{GLOB}" AS (SELECT 1 AS a) SELECT * FROM "{GLOB}"',
    "db-qualified path": f'SELECT * FROM finance_ods."{GLOB}"',
    # table functions
    "read_parquet": f"SELECT * FROM read_parquet('{GLOB}')",
    "read_csv_auto": f"SELECT * FROM read_csv_auto('{LANDED}')",
    "read_text": f"SELECT * FROM read_text('{FILE}')",
    "iceberg_scan": f"SELECT * FROM iceberg_scan('{ODS}')",
    "iceberg_snapshots": f"SELECT * FROM iceberg_snapshots('{ODS}')",
    "TABLE(...)": f"SELECT * FROM TABLE(read_csv('{LANDED}'))",
    "glob": "SELECT * FROM glob('{home}/**')",
    "parquet_metadata": f"SELECT * FROM parquet_metadata('{GLOB}')",
    "query()": "SELECT * FROM query('SELECT * FROM finance_ods.expenses')",
    "query_table": "SELECT * FROM query_table('finance_ods.expenses')",
    "IDENTIFIER": "SELECT * FROM IDENTIFIER('finance_ods.expenses')",
    "scalar subquery over a file": f"SELECT (SELECT max(description) FROM read_parquet('{GLOB}')) AS x",
    "table function in a cte": f"WITH x AS (SELECT * FROM read_parquet('{GLOB}')) SELECT * FROM x",
    # settings and environment
    "current_setting": "SELECT current_setting('allowed_directories') AS s",
    "getenv": "SELECT getenv('HOME') AS h",
    # system catalogs
    "sqlite_master": "SELECT * FROM sqlite_master",
    "information_schema": "SELECT * FROM information_schema.tables",
    "pg_catalog": "SELECT * FROM pg_catalog.pg_class",
    "duckdb_views()": "SELECT sql FROM duckdb_views()",
    "duckdb_settings()": "SELECT * FROM duckdb_settings()",
    "duckdb_tables view": "SELECT * FROM duckdb_tables",
    "catalog-qualified": "SELECT * FROM memory.finance_ods.expenses",
    "system catalog": "SELECT * FROM system.main.duckdb_views",
    "cte named after a catalog": "WITH sqlite_master AS (SELECT 1 AS a) SELECT * FROM sqlite_master",
    # statements other than queries
    "PRAGMA": "PRAGMA database_list",
    "PRAGMA show_tables": "PRAGMA show_tables",
    "SET": "SET enable_external_access = true",
    "RESET": "RESET lock_configuration",
    "INSTALL": "INSTALL httpfs",
    "LOAD": "LOAD httpfs",
    "ATTACH": "ATTACH '{home}/platform/ledger.sqlite' AS l (TYPE sqlite)",
    "COPY": "COPY (SELECT 1) TO '{home}/staging/finance/expenses/x.csv'",
    "COPY FROM": f"COPY finance_analytics.expense_summary FROM '{GLOB}'",
    "EXPORT": "EXPORT DATABASE '{home}/export'",
    "IMPORT": "IMPORT DATABASE '{home}/export'",
    "CALL": "CALL pragma_version()",
    "second statement": "SELECT 1; ATTACH '{home}/platform/ledger.sqlite' AS l",
    "CREATE VIEW": f"CREATE VIEW v AS SELECT * FROM read_parquet('{GLOB}')",
    "DESCRIBE": "DESCRIBE finance_ods.expenses",
    "SUMMARIZE": "SUMMARIZE finance_ods.expenses",
    # names: case, quoting, comments, Unicode look-alikes
    "plain": "SELECT * FROM finance_ods.expenses",
    "FROM-first": "FROM finance_ods.expenses",
    "quoted upper case": 'SELECT * FROM "FINANCE_ODS"."Expenses"',
    "spaces around the dot": "SELECT * FROM finance_ods . expenses",
    "comments inside the name": "SELECT * FROM finance_ods/**/./* x */expenses",
    "line comment": "SELECT * -- finance_analytics.expense_summary\nFROM finance_ods.expenses",
    "cyrillic i": 'SELECT * FROM "f\u0456nance_ods".expenses',
    "fullwidth letters": "SELECT * FROM \uff46inance_ods.expenses",
    "ligature": 'SELECT * FROM "\ufb01nance_ods".expenses',
    "kelvin sign": 'SELECT * FROM finance_ods."e\u212aspenses"',
    "landing table": "SELECT * FROM finance_landing.expenses",
    "quarantine table": "SELECT * FROM finance_ods.expenses__quarantine",
    "unpublished platform table": "SELECT * FROM platform.approval_requests",
    # CTE and alias tricks
    "cte named like the table": "WITH expenses AS (SELECT 1 AS a) SELECT * FROM finance_ods.expenses",
    "alias named like a cte": "WITH s AS (SELECT 1 AS a) SELECT * FROM finance_ods.expenses AS s",
    "recursive cte": ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r, finance_ods.expenses "
                      "WHERE n < 2) SELECT * FROM r"),
    # subqueries, joins and unions into another zone
    "subquery": "SELECT * FROM (SELECT description FROM finance_ods.expenses) t",
    "exists": ("SELECT * FROM finance_analytics.expense_summary WHERE EXISTS "
               "(SELECT 1 FROM finance_ods.expenses WHERE description LIKE 'SECRET%')"),
    "union": ("SELECT category FROM finance_analytics.expense_summary UNION ALL "
              "SELECT description FROM finance_ods.expenses"),
    "join": ("SELECT e.description FROM finance_analytics.expense_summary s "
             "JOIN finance_staging.expenses e ON e.category = s.category"),
    "lateral": "SELECT * FROM finance_analytics.expense_summary, LATERAL (SELECT * FROM finance_ods.expenses) x",
    "values join": "SELECT * FROM (VALUES (1)) v(a) JOIN finance_ods.cost_centers c ON true",
    # time travel and metadata tables of another zone
    "version as of": "SELECT * FROM finance_ods.expenses FOR VERSION AS OF {sid}",
    "timestamp as of": "SELECT * FROM finance_ods.expenses FOR TIMESTAMP AS OF TIMESTAMP '2100-01-01 00:00:00 UTC'",
    "$snapshots": 'SELECT * FROM finance_ods."expenses$snapshots"',
    "timestamp from a subquery": ("SELECT * FROM finance_analytics.expense_summary FOR TIMESTAMP AS OF "
                                  "(SELECT max(submitted_at) FROM finance_ods.expenses)"),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_is_denied_and_leaks_nothing(hostile, capsys: pytest.CaptureFixture[str], name: str) -> None:  # noqa: ANN001
    sql = ESCAPES[name].format(home=hostile.home, sid=hostile.snapshot_id)
    code = main(["query", "--home", str(hostile.home), "--zone", "executive", "--format", "csv", sql])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert err.startswith("access denied: zone executive cannot"), err
    assert SECRET not in out + err and PII not in out + err
    assert not (hostile.home / "export").exists() and not list(hostile.home.rglob("x.csv"))


PII_ESCAPES = [
    "SELECT employee_email AS contact FROM finance_ods.expenses",
    "SELECT e.\"EMPLOYEE_EMAIL\" FROM finance_ods.expenses e",
    "WITH x AS (SELECT employee_email FROM finance_staging.expenses) SELECT * FROM x",
    f"SELECT employee_email FROM read_parquet('{GLOB}')",
    f"SELECT * FROM \"{LANDED}\"",
]


@pytest.mark.parametrize("sql", PII_ESCAPES)
def test_pii_of_own_zone_stays_hidden_from_ordinary_readers(hostile, capsys: pytest.CaptureFixture[str],  # noqa: ANN001
                                                            sql: str) -> None:
    code = main(["query", "--home", str(hostile.home), "--zone", "finance", sql.format(home=hostile.home)])
    out, err = capsys.readouterr()
    assert code == 1 and err.startswith("access denied: zone finance cannot"), (out, err)
    assert PII not in out + err


def test_the_corpus_is_large() -> None:
    assert len(ESCAPES) + len(PII_ESCAPES) >= 40
