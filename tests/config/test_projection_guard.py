"""`lake validate` refuses projections that reach past their zone's grants through Spark-only SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.cli import main
from lake.config.projection import parse_sql, to_spark
from lake.config.projection_guard import check_spark_sql
from tests.config.test_validate import problems

GRANTED = {"finance_ods.expenses", "finance_ods.cost_centers"}

ESCAPES = {
    "identifier_other_zone": ("SELECT * FROM IDENTIFIER('customer_success_ods.accounts')",
                              "reads 'customer_success_ods.accounts': access denied"),
    "identifier_computed": ("SELECT * FROM IDENTIFIER(concat('customer_success', '_ods.accounts'))",
                            "IDENTIFIER with a computed name: access denied"),
    "identifier_granted": ("SELECT * FROM IDENTIFIER('finance_ods.expenses')", "IDENTIFIER is not Athena SQL"),
    "parquet_path": ('SELECT * FROM parquet."/lake/staging/customer_success/accounts"', "reads files by path"),
    "csv_path": ('SELECT * FROM csv."s3://landing/finance/expenses/x.csv"', "reads files by path"),
    "json_path": ('SELECT * FROM json."/lake/landing/x.jsonl"', "reads files by path"),
    "delta_path": ('SELECT * FROM delta."/lake/ods/other"', "reads files by path"),
    "iceberg_path": ('SELECT * FROM iceberg."/lake/warehouse/customer_success_ods/accounts"', "reads files by path"),
    "range": ("SELECT * FROM range(10)", "table function range(...) is not allowed"),
    "read_files": ("SELECT * FROM read_files('/lake/landing')", "table function read_files(...) is not allowed"),
    "table_wrapper": ("SELECT * FROM TABLE(read_files('/lake'))", "is not allowed: access denied"),
    "catalog_prefix": ("SELECT * FROM spark_catalog.finance_ods.expenses", "catalog-qualified name is not allowed"),
    "other_catalog": ("SELECT * FROM glue_catalog.customer_success_ods.accounts", "catalog-qualified name"),
    "dotted_quoted": ('SELECT * FROM "customer_success_ods.accounts"', "quoted name holding a dot"),
    "reflect": ("SELECT reflect('java.lang.System', 'getenv', 'HOME') AS h FROM finance_ods.expenses",
                "reflect() calls Java methods"),
    "in_subquery": ("SELECT expense_id FROM finance_ods.expenses WHERE employee_email IN "
                    "(SELECT email FROM parquet.\"/lake/x\")", "reads files by path"),
    "in_cte": ("WITH t AS (SELECT * FROM range(3)) SELECT * FROM t", "table function range(...)"),
    "delete": ("DELETE FROM finance_ods.expenses", "a projection is one query"),
    "insert": ("INSERT INTO finance_ods.expenses SELECT * FROM finance_ods.expenses", "a projection is one query"),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_validate_denies_each_escape_with_file_and_reason(name: str, zones_copy: Path) -> None:
    sql, reason = ESCAPES[name]
    (zones_copy / "finance/projections/escape.sql").write_text(sql)
    found = [p for p in problems(zones_copy) if p.startswith("insight_zones/finance/projections/escape.sql: sql: ")]
    assert any(reason in p for p in found), found


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_the_transpiled_spark_statement_is_denied_too(name: str) -> None:
    sql, _ = ESCAPES[name]
    assert check_spark_sql(to_spark(sql), GRANTED), to_spark(sql)


def test_spark_check_denies_plain_tables_outside_the_grants_and_unreadable_sql() -> None:
    assert [e.relation for e in check_spark_sql("SELECT * FROM customer_success_ods.accounts", GRANTED)] == \
        ["customer_success_ods.accounts"]
    assert check_spark_sql("SELECT * FROM `finance_ods`.`expenses` e JOIN finance_ods.cost_centers c "
                           "ON e.cost_center_id = c.cost_center_id", GRANTED) == []
    assert check_spark_sql("SELECT 1; SELECT 2", GRANTED)  # one query only
    assert check_spark_sql("DROP TABLE finance_ods.expenses", GRANTED)


def test_ordinary_sql_passes(zones_copy: Path) -> None:
    sql = ("WITH e AS (SELECT * FROM finance_ods.expenses) SELECT t.x, e.amount FROM e "
           "CROSS JOIN UNNEST(ARRAY[1, 2]) AS t(x)")
    assert check_spark_sql(to_spark(sql), GRANTED) == []
    assert parse_sql(sql)  # and Athena SQL
    (zones_copy / "finance/projections/fine.sql").write_text(sql)
    assert main(["validate", "--config", str(zones_copy)]) == 0


def test_lake_validate_exits_2_naming_the_file(zones_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (zones_copy / "executive/projections/peek.sql").write_text(
        "SELECT * FROM IDENTIFIER('finance_ods.expenses')")
    assert main(["validate", "--config", str(zones_copy)]) == 2
    err = capsys.readouterr()
    assert "insight_zones/executive/projections/peek.sql: sql: IDENTIFIER('finance_ods.expenses'): reads " \
           "'finance_ods.expenses': access denied" in err.out + err.err
