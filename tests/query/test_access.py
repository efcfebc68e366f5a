"""Every access path of item 2 on a built lake: zones, principals, PII columns, the CLI."""

from __future__ import annotations

import pytest

from lake.cli import main
from lake.query import AccessDenied, QueryEngine

pytestmark = pytest.mark.spark


def engine(built, zone: str | None = None, principal: str | None = None) -> QueryEngine:  # noqa: ANN001
    return QueryEngine(built.lake.ctx.cfg, built.lake.ctx.home, zone, principal=principal)


def cols(built, sql: str, **who: str) -> list[str]:  # noqa: ANN001
    return engine(built, **who).execute(sql).columns


def test_ordinary_reader_never_sees_pii_columns(built) -> None:  # noqa: ANN001
    for who in ({"zone": "finance"}, {"principal": "finance_analyst"}):
        assert "employee_email" not in cols(built, "SELECT * FROM finance_ods.expenses", **who)
        assert "owner_email" not in cols(built, "SELECT * FROM finance_ods.cost_centers", **who)
        assert "amount" in cols(built, "SELECT * FROM finance_ods.expenses", **who)


@pytest.mark.parametrize("sql", [
    "SELECT employee_email FROM finance_ods.expenses",
    "SELECT count(DISTINCT e.employee_email) FROM finance_ods.expenses e",
    "WITH x AS (SELECT * FROM finance_ods.expenses WHERE employee_email IS NOT NULL) SELECT 1 FROM x",
    "SELECT 1 FROM finance_staging.expenses WHERE employee_email LIKE '%'",
])
def test_explicit_pii_reference_is_denied(built, sql: str) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied, match=r"^access denied: zone finance cannot read finance_\w+\.expenses"
                                           r"\.employee_email"):
        engine(built, "finance").check(sql)


def test_pii_reader_sees_hashed_values(built) -> None:  # noqa: ANN001
    rows = engine(built, principal="finance_auditor").arrow(
        "SELECT employee_email FROM finance_ods.expenses ORDER BY expense_id").to_pylist()
    assert len(rows) == 3
    assert all(r["employee_email"] and "@" not in r["employee_email"] for r in rows)  # hashed as stored


def test_pii_reader_of_one_zone_is_not_pii_reader_of_another(built) -> None:  # noqa: ANN001
    e = engine(built, principal="finance_auditor")
    with pytest.raises(AccessDenied, match="cannot read customer_success_ods.accounts"):
        e.check("SELECT * FROM customer_success_ods.accounts")
    cs = engine(built, principal="cs_auditor")
    assert "owner_email" in cs.execute("SELECT * FROM customer_success_ods.accounts").columns
    with pytest.raises(AccessDenied, match="principal cs_auditor cannot read finance_ods.expenses"):
        cs.check("SELECT * FROM finance_ods.expenses")


def test_principal_sees_the_union_of_its_zones(built) -> None:  # noqa: ANN001
    ex = engine(built, principal="exec_analyst")
    assert ex.arrow("SELECT count(*) AS n FROM finance_analytics.expense_summary").to_pylist() == [{"n": 2}]
    with pytest.raises(AccessDenied, match=r"^access denied: principal exec_analyst cannot read finance_ods\."):
        ex.check("SELECT * FROM finance_ods.expenses")
    with pytest.raises(AccessDenied, match="is not a reader of any zone"):
        engine(built, principal="nobody")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM iceberg_scan('/tmp/x')",
    "SELECT getenv('HOME')",
    "CREATE VIEW v AS SELECT 1",
])
def test_no_back_doors(built, sql: str) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied, match="^access denied: zone executive cannot"):
        engine(built, "executive").check(sql)


def test_platform_tables_hold_only_the_callers_rows(built) -> None:  # noqa: ANN001
    rows = engine(built, "finance").arrow("SELECT DISTINCT zone FROM platform.ingest_ledger").to_pylist()
    assert rows == [{"zone": "finance"}]
    both = engine(built, principal="cs_auditor").arrow("SELECT DISTINCT zone FROM platform.ingest_ledger")
    assert both.to_pylist() == [{"zone": "customer_success"}]


def test_cli_denial_and_as(built, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    home = str(built.home)
    assert main(["query", "--home", home, "--zone", "executive",
                 "SELECT * FROM (SELECT * FROM finance_ods.expenses) t"]) == 1
    assert capsys.readouterr().err.strip() == "access denied: zone executive cannot read finance_ods.expenses"
    assert main(["query", "--home", home, "--as", "finance_auditor", "--format", "csv",
                 "SELECT expense_id, length(employee_email) > 0 AS hashed FROM finance_ods.expenses "
                 "ORDER BY expense_id"]) == 0
    assert capsys.readouterr().out.splitlines() == ["expense_id,hashed", "1,True", "2,True", "3,True"]
    assert main(["query", "--home", home, "--as", "finance_analyst",
                 "SELECT employee_email FROM finance_ods.expenses"]) == 1
    assert "access denied: principal finance_analyst cannot read" in capsys.readouterr().err
