"""lake plan --diff: changed projections and their dependants run into scratch views, real tables untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.plan_diff import diff
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


def test_diff_reports_before_after_without_touching_tables(lake: Lake, zones_copy: Path, spark) -> None:  # noqa: ANN001
    lake.drop("finance", "expenses", [expense(1, amount="10.00"), expense(2, amount="500.00", category="meals")])
    assert lake.run().ok
    base = lake.ctx.cfg
    sql = zones_copy / "finance/projections/expense_summary.sql"
    sql.write_text(sql.read_text().replace("WHERE e.approved", "WHERE e.approved AND e.amount < 100"))
    lake.reload()
    report = {r["table"]: r for r in diff(spark, base, lake.ctx.cfg)}
    summary = report["finance_analytics.expense_summary"]
    assert summary["changed_sql"] and summary["rows_before"] == 2 and summary["rows_after"] == 1
    assert summary["only_before"][0]["category"] == "meals" and summary["only_after"] == []
    down = report["executive_analytics.spend_by_department"]
    assert not down["changed_sql"] and "rows_after" in down and "error" not in down
    assert spark.table("finance_analytics.expense_summary").count() == 2  # the real table is untouched
