"""The catalog namespace (lake/namespace.py) and the SQL rewrite that points users' SQL at it
(lake/namespace_sql.py): what a namespaced stage's engines see when users write ``finance_ods.x``."""

from __future__ import annotations

import pytest

from lake import namespace as ns
from lake.namespace_sql import qualify


def test_names_with_and_without_a_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ns.database("finance", "ods") == "finance_ods"  # no LAKE_CATALOG_PREFIX: the local runtime
    assert ns.platform_database() == "platform" and ns.tag_key("zone") == "zone"
    monkeypatch.setenv(ns.ENV, "dev_")
    assert ns.database("finance", "analytics") == "dev_finance_analytics"
    assert ns.platform_database() == "dev_platform"
    assert (ns.tag_key("sensitivity"), ns.shared_with("executive")) == ("dev_sensitivity", "dev_shared_with_executive")
    assert ns.physical_table("finance_ods.expenses") == "dev_finance_ods.expenses"
    assert ns.physical_table("default.other") == "default.other"  # not the lake's: left alone
    assert ns.logical_table("dev_finance_ods.expenses") == "finance_ods.expenses"
    # Another stage's table (prod's plain name) is not this stage's: deny by default.
    assert ns.own_table("finance_ods.expenses") is None
    assert ns.own_table("dev_platform.runs") == "platform.runs"
    with pytest.raises(ValueError, match="no readable layer"):
        ns.database("finance", "landing")


@pytest.mark.parametrize("prefix", ["Dev_", "dev", "dev-", "_dev_", "a" * 21 + "_"])
def test_a_malformed_prefix_in_the_environment_fails_loudly(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    monkeypatch.setenv(ns.ENV, prefix)
    with pytest.raises(ns.NamespaceError, match=ns.ENV):
        ns.database("finance", "ods")


def test_the_longest_derived_name_fits() -> None:
    zone = "z" * ns.ZONE_MAX
    prefix = "p" * (ns.PREFIX_MAX - 1) + "_"
    assert ns.prefix_problem(prefix) is None
    assert max(len(ns.shared_with(zone, prefix)), len(ns.database(zone, "analytics", prefix))) <= ns.NAME_MAX


@pytest.mark.parametrize("sql, expected", [
    ("SELECT * FROM finance_ods.expenses", "SELECT * FROM dev_finance_ods.expenses"),
    # Athena resolves quoted and upper-case names to Glue's lower case: the same table.
    ('SELECT "FINANCE_ODS"."Expenses".amount FROM "FINANCE_ODS"."Expenses"',
     'SELECT "dev_finance_ods"."Expenses".amount FROM "dev_finance_ods"."Expenses"'),
    ("select * from Finance_Analytics.t", "select * from dev_finance_analytics.t"),
    ("SELECT * FROM awsdatacatalog.finance_ods.x JOIN AwsDataCatalog.platform.runs r ON true",
     "SELECT * FROM awsdatacatalog.dev_finance_ods.x JOIN AwsDataCatalog.dev_platform.runs r ON true"),
    ("SELECT count(*) FROM platform.runs WHERE table_name = 'finance_ods.expenses'",
     "SELECT count(*) FROM dev_platform.runs WHERE table_name = 'finance_ods.expenses'"),
    # A CTE named like a database is the CTE, in FROM and as a qualifier.
    ("WITH finance_ods AS (SELECT 1 AS c) SELECT finance_ods.c FROM finance_ods, finance_ods.x",
     "WITH finance_ods AS (SELECT 1 AS c) SELECT finance_ods.c FROM finance_ods, finance_ods.x"),
    ("WITH a AS (SELECT 1), platform AS (SELECT 2 AS c) SELECT platform.c FROM platform",
     "WITH a AS (SELECT 1), platform AS (SELECT 2 AS c) SELECT platform.c FROM platform"),
    # A table or column that merely ends like a database, and another catalog's database, stay.
    ("SELECT t.finance_ods FROM x.finance_ods t, other.finance_ods.y",
     "SELECT t.finance_ods FROM x.finance_ods t, other.finance_ods.y"),
])
def test_athena_sql_is_pointed_at_the_stage(sql: str, expected: str) -> None:
    assert qualify(sql, "athena", "dev_") == expected
    assert qualify(sql, "athena", "") == sql  # plain stage: untouched


@pytest.mark.parametrize("sql, expected", [
    ("CREATE NAMESPACE IF NOT EXISTS finance_ods", "CREATE NAMESPACE IF NOT EXISTS dev_finance_ods"),
    ("SHOW TABLES IN finance_analytics", "SHOW TABLES IN dev_finance_analytics"),
    ("SHOW NAMESPACES LIKE 'finance_ods'", "SHOW NAMESPACES LIKE 'dev_finance_ods'"),
    ("SELECT count(*) AS n FROM finance_ods.x.snapshots", "SELECT count(*) AS n FROM dev_finance_ods.x.snapshots"),
    ("MERGE INTO finance_ods.x t USING held s ON t.k = s.k WHEN MATCHED THEN UPDATE SET *",
     "MERGE INTO dev_finance_ods.x t USING held s ON t.k = s.k WHEN MATCHED THEN UPDATE SET *"),
    ("SELECT * FROM `FINANCE_ODS`.`x` VERSION AS OF 3", "SELECT * FROM `dev_finance_ods`.`x` VERSION AS OF 3"),
    ("CALL spark_catalog.system.expire_snapshots(table => 'finance_ods.x', retain_last => 1)",
     "CALL spark_catalog.system.expire_snapshots(table => 'dev_finance_ods.x', retain_last => 1)"),
    ("SELECT * FROM spark_catalog.finance_ods.x", "SELECT * FROM spark_catalog.dev_finance_ods.x"),
])
def test_spark_statements_of_the_tasks_are_pointed_at_the_stage(sql: str, expected: str) -> None:
    assert qualify(sql, "spark", "dev_") == expected


def test_only_the_given_databases_are_rewritten() -> None:
    assert qualify("SELECT * FROM finance_ods.x, hr_ods.y", "athena", "dev_", databases={"finance_ods"}) == \
        "SELECT * FROM dev_finance_ods.x, hr_ods.y"
