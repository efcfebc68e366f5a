"""``lake.connect``: pandas and Arrow results under exactly the CLI's permissions."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

import lake
from lake.query import AccessDenied

pytestmark = pytest.mark.spark


def test_connect_returns_pandas_and_arrow(built) -> None:  # noqa: ANN001
    fin = lake.connect(zone="finance", home=built.home)
    df = fin.sql("SELECT expense_id, amount FROM finance_ods.expenses ORDER BY expense_id")
    assert isinstance(df, pd.DataFrame) and df["expense_id"].tolist() == [1, 2, 3]
    t = fin.table("finance_analytics.expense_summary", output="arrow")
    assert isinstance(t, pa.Table) and t.num_rows == 2
    with pytest.raises(ValueError, match="output must be pandas or arrow"):
        fin.sql("SELECT count(*) AS n FROM finance_ods.expenses", output="relation")  # type: ignore[arg-type]
    assert "finance_ods.expenses" in fin.tables() and "customer_success_ods.accounts" not in fin.tables()


def test_connect_enforces_the_same_grants(built) -> None:  # noqa: ANN001
    fin = lake.connect(zone="finance", home=built.home)
    assert "employee_email" not in fin.table("finance_ods.expenses").columns
    with pytest.raises(AccessDenied, match="access denied: zone finance cannot read customer_success_ods.accounts"):
        fin.table("customer_success_ods.accounts")
    with pytest.raises(AccessDenied, match="cannot read finance_ods.expenses.employee_email"):
        fin.sql("SELECT employee_email FROM finance_ods.expenses")
    aud = lake.connect(principal="finance_auditor", home=built.home)
    assert "employee_email" in aud.table("finance_ods.expenses").columns
    with pytest.raises(AccessDenied, match="access denied: zone executive cannot read finance_ods.expenses"):
        lake.connect(zone="executive", home=built.home).table("finance_ods.expenses")
