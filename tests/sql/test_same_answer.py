"""One SQL, one answer, through the product itself: a projection built by ``lake run`` (Spark) holds
exactly what ``lake query`` (DuckDB) answers for the same Athena SQL over the same ODS table, values
and types; ``lake validate`` refuses a construct that has no exact answer, naming the file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lake.config import ConfigError, load_config
from lake.query import QueryEngine
from tests.glue_jobs.conftest import Lake, expense, lake  # noqa: F401 - the fixture

pytestmark = pytest.mark.spark

SQL = """SELECT category,
  count_if(amount > 100) / count(*) AS big_share,
  CAST(count_if(amount > 100) AS DOUBLE) / count(*) AS big_ratio,
  sum(amount) / count(*) AS mean_by_division,
  avg(amount) AS mean,
  sum(amount) AS total,
  7 / 2 AS seven_halves,
  date_trunc('month', expense_date) AS month
FROM finance_ods.expenses
GROUP BY category, date_trunc('month', expense_date)"""


def test_projection_and_lake_query_give_the_same_answer(lake: Lake, zones_copy: Path) -> None:  # noqa: F811
    (zones_copy / "finance/projections/category_stats.sql").write_text(SQL + "\n")
    lake.reload()
    amounts = ["150.00", "10.00", "10.01", "20.00"]
    lake.drop("finance", "expenses", [expense(i, amount=a) for i, a in enumerate(amounts, 1)])
    report = lake.run()
    assert report.ok, [b.error for b in report.builds if b.error]
    built = lake.q("finance", "SELECT * FROM finance_analytics.category_stats")
    for row in built:
        row.pop("_promoted_at")
    asked = lake.q("finance", SQL)
    assert built == asked
    # Athena's answer: 190.01 / 4 = 47.5025, kept at the decimal's scale and rounded half up
    assert asked == [{"category": "travel", "big_share": 0, "big_ratio": 0.25, "mean_by_division": Decimal("47.50"),
                      "mean": Decimal("47.50"), "total": Decimal("190.01"), "seven_halves": 3,
                      "month": date(2026, 11, 1)}]
    engine = QueryEngine(lake.ctx.cfg, lake.ctx.home, "finance")
    built_types = engine.execute("SELECT * FROM finance_analytics.category_stats").types
    assert [str(t) for t in built_types][:8] == ["VARCHAR", "BIGINT", "DOUBLE", "DECIMAL(38,2)", "DECIMAL(12,2)",
                                                 "DECIMAL(38,2)", "INTEGER", "DATE"]


def test_validate_refuses_what_is_not_supported(zones_copy: Path) -> None:
    (zones_copy / "finance/projections/local_hours.sql").write_text(
        "SELECT expense_id, hour(from_iso8601_timestamp(description)) AS h FROM finance_ods.expenses\n")
    (zones_copy / "finance/projections/halves.sql").write_text(  # typed from the contract: fine
        "SELECT expense_id, amount / 2 AS half, expense_id / 2 AS pair FROM finance_ods.expenses\n")
    (zones_copy / "executive/projections/mean_spend.sql").write_text(  # typed from the upstream projection
        "SELECT department, total_amount / expense_count AS mean FROM finance_analytics.expense_summary\n")
    with pytest.raises(ConfigError) as err:
        load_config(zones_copy)
    messages = [str(p) for p in err.value.problems]
    assert len(messages) == 1, messages
    assert "local_hours.sql" in messages[0] and "not supported" in messages[0]
    assert "hint" in messages[0]
