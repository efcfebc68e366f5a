"""``table_refs``: the real tables a statement reads, resolved per scope; anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import load_config
from lake.config.problems import ConfigError
from lake.config.projection import TableRefError, parse_sql, table_refs


@pytest.mark.parametrize(("sql", "want"), [
    ("WITH x AS (SELECT * FROM finance_ods.a) SELECT * FROM x JOIN (SELECT * FROM x) y ON true", {"finance_ods.a"}),
    ("WITH x AS (SELECT 1) SELECT * FROM X", set()),  # names compare case-insensitively, as DuckDB's do
    ("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) t, x", {"x"}),  # a CTE does not leave its scope
    ('SELECT * FROM "FINANCE_ODS"."Expenses"', {"finance_ods.expenses"}),
    ("SELECT * FROM finance_ods/* c */ . expenses", {"finance_ods.expenses"}),
    ("SELECT * FROM a_ods.a WHERE EXISTS (SELECT 1 FROM b_ods.b UNION SELECT 1 FROM c_ods.c)",
     {"a_ods.a", "b_ods.b", "c_ods.c"}),
    ("SELECT * FROM a_ods.a, LATERAL (SELECT * FROM b_ods.b) l", {"a_ods.a", "b_ods.b"}),
    ('SELECT * FROM finance_ods."expenses$snapshots"', {"finance_ods.expenses$snapshots"}),
])
def test_real_tables_per_scope(sql: str, want: set[str]) -> None:
    assert table_refs(parse_sql(sql)) == want


@pytest.mark.parametrize("sql", [
    'SELECT * FROM (WITH "/h/x.parquet" AS (SELECT 1) SELECT 1) t, "/h/x.parquet"',
    "SELECT * FROM 'x.parquet'",
    "SELECT * FROM read_parquet('x')",
    "SELECT * FROM IDENTIFIER('finance_ods.expenses')",
    'SELECT * FROM "parquet"."/lake/staging/finance/expenses"',
    "SELECT * FROM memory.finance_ods.expenses",
    'SELECT * FROM "f\u0456nance_ods".expenses',
    "WITH x AS (SELECT 1) SELECT * FROM x FOR VERSION AS OF 1",
    "WITH duckdb_settings AS (SELECT 1) SELECT * FROM duckdb_settings",
])
def test_anything_but_a_plain_name_is_refused(sql: str) -> None:
    with pytest.raises(TableRefError, match="plain"):
        table_refs(parse_sql(sql))


def test_lake_validate_refuses_a_projection_that_reads_a_path(zones_copy: Path) -> None:
    (zones_copy / "finance" / "projections" / "sneaky.sql").write_text(
        'SELECT * FROM "/lake/staging/customer_success/accounts/**/*.parquet"\n')
    with pytest.raises(ConfigError,
                       match=r"sneaky\.sql.*(only plain <db>\.<table> names|reads files by path: access denied)"):
        load_config(zones_copy)
