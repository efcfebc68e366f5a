"""Projections: DAG order across zones, atomic replace, failures isolated to their dependants."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import load_config
from lake.tasks.projections.plan import build_order
from tests.conftest import ZONES
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


def test_build_order_puts_publishers_before_readers() -> None:
    order = [p.table for p in build_order(load_config(ZONES))]
    assert order.index("finance_analytics.expense_summary") < order.index("executive_analytics.spend_by_department")
    assert order.index("customer_success_analytics.account_pipeline") < order.index(
        "executive_analytics.hiring_by_region")


def test_failing_projection_keeps_previous_version_and_skips_dependants(lake: Lake, zones_copy: Path) -> None:
    lake.drop("finance", "expenses", [expense(1)])
    assert lake.run().ok
    before = lake.q("executive", "SELECT * FROM executive_analytics.spend_by_department")
    sql = zones_copy / "finance/projections/expense_summary.sql"
    sql.write_text(sql.read_text().replace("SUM(e.amount)", "amountt(e.amount)"))  # Spark cannot resolve it
    lake.reload()
    lake.drop("finance", "expenses", [expense(2)])
    report = lake.run()
    status = {b.table: b for b in report.builds}
    assert status["finance_analytics.expense_summary"].status == "failed"
    assert "AMOUNTT" in status["finance_analytics.expense_summary"].error
    assert status["executive_analytics.spend_by_department"].status == "skipped"
    assert lake.q("executive", "SELECT * FROM executive_analytics.spend_by_department") == before
    alert = next(a for a in lake.ctx.alerts.read() if "expense_summary" in a.subject)
    assert alert.context["sql_file"].endswith("finance/projections/expense_summary.sql")


def test_python_projection_joins_the_dag(lake: Lake, zones_copy: Path) -> None:
    (zones_copy / "finance/projections/big_claims.py").write_text(
        'INPUTS = ["finance_ods.expenses"]\n'
        "PII_COLUMNS = []\n\n"  # reads PII (employee_email), returns none: else all its columns count as PII
        "def transform(inputs):\n"
        '    e = inputs["finance_ods.expenses"]\n'
        '    return e.where(e.amount > 100).select("expense_id", "amount")\n')
    lake.reload()
    lake.drop("finance", "expenses", [expense(1, amount="500.00"), expense(2, amount="5.00")])
    report = lake.run()
    assert report.ok and "finance_analytics.big_claims" in {b.table for b in report.builds}
    assert [r["expense_id"] for r in lake.q("finance", "SELECT expense_id FROM finance_analytics.big_claims")] == [1]
