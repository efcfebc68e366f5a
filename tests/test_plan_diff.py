"""lake plan --diff: changed projections (SQL and Python) and their dependants run into scratch views, real
tables untouched; a Python projection's output columns come from running its transform."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lake.cli import main
from lake.plan_diff import diff
from tests.glue_jobs.conftest import Lake, expense, lake  # noqa: F401 - the fixture

pytestmark = pytest.mark.spark

ANOMALIES = "finance/projections/expense_anomalies.py"


def test_diff_reports_before_after_without_touching_tables(lake: Lake, zones_copy: Path, spark) -> None:  # noqa: ANN001, F811
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


def test_plan_diff_runs_a_changed_python_projection(lake: Lake, zones_copy: Path, spark,  # noqa: ANN001, F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    lake.drop("finance", "expenses", [expense(i, amount=f"{10 + i}.00") for i in range(1, 6)])
    assert lake.run().ok
    git = ["git", "-C", str(zones_copy), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for step in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *step], check=True)
    path = zones_copy / ANOMALIES
    path.write_text(path.read_text()
                    .replace('.withColumn("is_anomaly", F.col("anomaly_score") > THRESHOLD)',
                             '.withColumn("is_anomaly", (F.col("anomaly_score") > THRESHOLD).cast("int"))')
                    .replace('"anomaly_score", "is_anomaly"))', '"is_anomaly", F.lit("v2").alias("model")))'))
    code = main(["plan", "--diff", "--config", str(zones_copy), "--home", str(lake.ctx.home.root)])
    out = capsys.readouterr().out
    assert "~ finance_analytics.expense_anomalies: add column model string (additive)" in out
    assert "! finance_analytics.expense_anomalies: column 'anomaly_score' was removed or renamed (BREAKING)" in out
    assert "! finance_analytics.expense_anomalies: column 'is_anomaly' changes type from boolean to int (BREAKING)" \
        in out
    assert "diff finance_analytics.expense_anomalies: rows 5 -> 5" in out
    assert code == 1
    assert "anomaly_score" in spark.table("finance_analytics.expense_anomalies").columns  # untouched
