"""Zone isolation in `lake query`, checked before anything runs (no data needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import load_config
from lake.home import LakeHome
from lake.query import AccessDenied, QueryEngine
from lake.query.engine import QueryError
from tests.conftest import ZONES


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, QueryEngine]:
    cfg, home = load_config(ZONES), LakeHome(Path(tmp_path_factory.mktemp("home")))
    return {z: QueryEngine(cfg, home, z) for z in cfg.zones}


@pytest.mark.parametrize("sql", [
    "SELECT * FROM finance_ods.expenses",
    "SELECT * FROM (SELECT * FROM finance_staging.expenses) t",
    "WITH x AS (SELECT * FROM finance_ods.cost_centers) SELECT * FROM x",
    "SELECT * FROM finance_analytics.expense_summary s JOIN customer_success_ods.accounts a ON true",
    "SELECT * FROM finance_landing.expenses",
])
def test_executive_denied_unpublished_tables(engines: dict[str, QueryEngine], sql: str) -> None:
    with pytest.raises(AccessDenied, match=r"^access denied: zone executive cannot read \w+\.\w+$"):
        engines["executive"].check(sql)


def test_executive_reads_published_tables(engines: dict[str, QueryEngine]) -> None:
    """Allowed: on an empty lake the only answer is that the projection is not built yet."""
    for table in ("finance_analytics.expense_summary", "customer_success_analytics.account_pipeline"):
        with pytest.raises(QueryError, match=rf"^{table} is not built yet"):
            engines["executive"].check(f"SELECT * FROM {table}")


def test_zone_reads_its_own_layers_but_not_landing(engines: dict[str, QueryEngine]) -> None:
    for table in ("finance_staging.expenses", "finance_ods.expenses"):
        engines["finance"].check(f"SELECT * FROM {table}")
    with pytest.raises(QueryError, match="not built yet"):  # allowed, but nothing to read on an empty lake
        engines["finance"].check("SELECT * FROM finance_analytics.expense_summary")
    with pytest.raises(AccessDenied):
        engines["finance"].check("SELECT * FROM finance_landing.expenses")
    with pytest.raises(AccessDenied, match="zone finance cannot read customer_success_ods.accounts"):
        engines["finance"].check("SELECT * FROM customer_success_ods.accounts")


def test_unknown_table_and_unqualified_names(engines: dict[str, QueryEngine]) -> None:
    with pytest.raises(QueryError, match="does not exist"):
        engines["finance"].check("SELECT * FROM finance_ods.nope")
    with pytest.raises(QueryError, match="name the table with its database"):
        engines["finance"].check("SELECT * FROM expenses")


def test_empty_ods_table_is_queryable_with_contract_types(engines: dict[str, QueryEngine]) -> None:
    rel = engines["finance"].execute("SELECT * FROM finance_ods.expenses")
    assert rel.fetchall() == []
    assert dict(zip(rel.columns, map(str, rel.types), strict=True))["amount"] == "DECIMAL(12,2)"


def test_pii_columns_match_the_aws_governors_tags() -> None:
    from infra.governance.runtime.plan import pii_columns as governor
    from lake.query.grants import owner, pii_columns

    cfg = load_config(ZONES)
    for table in [*cfg.all_tables(), "finance_ods.expenses__quarantine"]:
        zone, layer, name = owner(table)
        assert pii_columns(cfg, table) == governor(cfg, zone, layer, name), table


@pytest.mark.parametrize("sql", [
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM duckdb_views()",
    "SELECT * FROM main._platform_runs",
    "SELECT * FROM _platform_runs",
    "SELECT * FROM TABLE(read_csv('/etc/passwd'))",
    "SELECT current_setting('home_directory')",
    "ATTACH '/tmp/x.db' AS x",
    "COPY (SELECT 1) TO '/tmp/x.csv'",
    "INSERT INTO finance_ods.expenses SELECT * FROM finance_ods.expenses",
])
def test_catalog_files_and_writes_are_out_of_reach(engines: dict[str, QueryEngine], sql: str) -> None:
    with pytest.raises((QueryError, AccessDenied)):
        engines["finance"].check(sql)


def test_cli_queries_as_exactly_one_zone_or_principal(tmp_path: Path) -> None:
    from lake.cli import main

    assert main(["query", "--home", str(tmp_path), "SELECT 1"]) == 2  # no all-seeing default
    assert main(["query", "--home", str(tmp_path), "--zone", "finance", "--as", "finance_auditor", "SELECT 1"]) == 2
