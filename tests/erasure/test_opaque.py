"""Which projections an erasure rebuilds whatever it changed: those whose inputs their SQL does not name."""

from __future__ import annotations

from pathlib import Path

from glue_jobs.erase.opaque import opaque
from lake.config import load_config


def test_python_and_identifier_projections_are_opaque_plain_sql_is_not(zones_copy: Path) -> None:
    projections = zones_copy / "executive" / "projections"
    (projections / "by_identifier.sql").write_text(
        "SELECT department, SUM(total_amount) AS total FROM IDENTIFIER('finance_analytics.expense_summary') "
        "GROUP BY department")
    (projections / "nested_identifier.sql").write_text(
        "SELECT * FROM finance_analytics.expense_summary WHERE department IN "
        "(SELECT department FROM IDENTIFIER('finance_ods.cost_centers'))")
    found = {p.table for p in opaque(load_config(zones_copy))}
    assert found == {"finance_analytics.expense_anomalies", "executive_analytics.by_identifier",
                     "executive_analytics.nested_identifier"}
