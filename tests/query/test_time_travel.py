"""Athena's Iceberg time travel: FOR VERSION AS OF / FOR TIMESTAMP AS OF."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from lake.query import AccessDenied, QueryEngine
from lake.query.engine import QueryError

pytestmark = pytest.mark.spark


def engine(built, zone: str = "finance") -> QueryEngine:  # noqa: ANN001
    return QueryEngine(built.lake.ctx.cfg, built.lake.ctx.home, zone)


def amounts(built, sql: str) -> dict[int, Decimal]:  # noqa: ANN001
    return {r["expense_id"]: r["amount"] for r in engine(built).arrow(sql).to_pylist()}


def test_version_as_of_reads_an_older_snapshot(built) -> None:  # noqa: ANN001
    snaps = engine(built).arrow('SELECT snapshot_id FROM finance_ods."expenses$snapshots" ORDER BY committed_at')
    # The last but one: the first load's (the table's very first snapshot is the empty base that
    # the first promotion's audit branch starts from, lake/tasks/to_ods/tables.py).
    sid = snaps.to_pylist()[-2]["snapshot_id"]
    old = amounts(built, f"SELECT expense_id, amount FROM finance_ods.expenses FOR VERSION AS OF {sid}")
    assert old == {1: Decimal("10.00"), 2: Decimal("20.50")}
    now = amounts(built, "SELECT expense_id, amount FROM finance_ods.expenses")
    assert now == {1: Decimal("15.00"), 2: Decimal("20.50"), 3: Decimal("7.25")}


def test_timestamp_as_of_with_alias_join_and_pii_rules(built) -> None:  # noqa: ANN001
    ts = datetime.fromtimestamp(built.first_snapshot_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    sql = (f"SELECT e.expense_id, e.amount FROM finance_ods.expenses FOR TIMESTAMP AS OF TIMESTAMP '{ts} UTC' AS e "
           "JOIN finance_ods.cost_centers c ON c.cost_center_id = e.cost_center_id")
    assert amounts(built, sql) == {1: Decimal("10.00"), 2: Decimal("20.50")}
    rel = engine(built).execute(f"SELECT * FROM finance_ods.expenses FOR TIMESTAMP AS OF TIMESTAMP '{ts} UTC'")
    assert "employee_email" not in rel.columns
    with pytest.raises(AccessDenied):
        engine(built, "executive").check(f"SELECT * FROM finance_ods.expenses FOR TIMESTAMP AS OF TIMESTAMP '{ts} UTC'")


def test_time_travel_only_on_iceberg_tables(built) -> None:  # noqa: ANN001
    with pytest.raises(QueryError, match="needs an Iceberg table"):
        engine(built).check("SELECT * FROM finance_staging.expenses FOR VERSION AS OF 1")
    with pytest.raises(QueryError, match="snapshot id"):
        engine(built).check("SELECT * FROM finance_ods.expenses FOR VERSION AS OF 'x'")
