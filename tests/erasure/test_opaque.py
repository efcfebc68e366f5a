"""Which projections an erasure rebuilds whatever it changed: those whose inputs their SQL does not name."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import load_config
from lake.config.problems import ConfigError
from lake.tasks.erase.opaque import _names_inputs_indirectly, opaque


def test_python_projections_are_opaque_plain_sql_is_not(zones_copy: Path) -> None:
    assert {p.table for p in opaque(load_config(zones_copy))} == {"finance_analytics.expense_anomalies"}


@pytest.mark.parametrize("sql", [
    "SELECT department, SUM(total_amount) AS total FROM IDENTIFIER('finance_analytics.expense_summary') "
    "GROUP BY department",
    "SELECT * FROM finance_analytics.expense_summary WHERE department IN "
    "(SELECT department FROM IDENTIFIER('finance_ods.cost_centers'))",
])
def test_identifier_reads_would_be_opaque_and_validation_refuses_them(sql: str, zones_copy: Path) -> None:
    assert _names_inputs_indirectly(sql)  # the erasure does not rely on validation ...
    (zones_copy / "executive" / "projections" / "by_identifier.sql").write_text(sql)
    with pytest.raises(ConfigError, match="by_identifier.sql: sql: IDENTIFIER"):  # ... which refuses them
        load_config(zones_copy)
