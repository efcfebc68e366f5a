"""Schema drift never erases data, end to end: `lake drop` and `lake run` on the expenses dataset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lake.spark import local_session
from lake.tasks.to_ods.promote import promote_task
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark
T = [f"2026-11-0{d}T09:00:00+00:00" for d in range(1, 8)]


def without(rows: list[dict], column: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k != column} for r in rows]


def promote(lake: Lake) -> list[str]:
    """The expenses promotion alone (``lake run`` without the other datasets and projections): its ingests."""
    lake.n += 1
    p = promote_task(local_session(lake.ctx.home.warehouse), lake.ctx, "finance", "expenses", f"run-{lake.n}")
    assert p.status in ("promoted", "rebuilt") and p.error is None, p
    return p.ingests


def ods(lake: Lake) -> dict[int, tuple]:
    rows = lake.q("finance", "SELECT expense_id, amount, description FROM finance_ods.expenses")
    return {r["expense_id"]: (r["amount"], r["description"]) for r in rows}


def test_a_renamed_or_missing_column_never_nulls_ods_values(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T[0], amount="1.00", description="first"),
                                      expense(2, T[0], amount="2.00", description="second")])
    promote(lake)
    # The producer renames a required column: quarantined, naming both columns; ODS untouched.
    renamed = [{("amount_usd" if k == "amount" else k): v for k, v in expense(1, T[1], amount="9.00").items()}]
    [bad] = lake.drop("finance", "expenses", renamed)
    assert bad.outcome == "quarantined" and "amount (did you mean 'amount_usd'?)" in bad.reason
    # An optional column goes missing: the rows update, the column keeps its ODS values.
    [short] = lake.drop("finance", "expenses", without([expense(1, T[2], amount="3.00")], "description"))
    assert short.outcome == "staged"
    promote(lake)
    assert ods(lake) == {1: (Decimal("3.00"), "first"), 2: (Decimal("2.00"), "second")}
    # New keys from such a file are inserted with the absent column null.
    lake.drop("finance", "expenses", without([expense(3, T[2], amount="4.00")], "description"))
    promote(lake)
    assert ods(lake)[3] == (Decimal("4.00"), None)


def test_one_batch_of_files_with_different_columns_applies_them_in_ingest_order(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T[0], amount="1.00", description="old"),
                                      expense(2, T[0], amount="1.00", description="keep")])
    promote(lake)
    lake.drop("finance", "expenses", without([expense(1, T[1], amount="7.00"), expense(2, T[1], amount="7.00")],
                                             "description"))
    lake.drop("finance", "expenses", [expense(1, T[2], amount="8.00", description="new")])
    lake.drop("finance", "expenses", without([expense(1, T[3], amount="9.00")], "description"))
    assert len(promote(lake)) == 3  # one promotion, three MERGEs
    assert ods(lake) == {1: (Decimal("9.00"), "new"), 2: (Decimal("7.00"), "keep")}


def test_absent_columns_null_when_the_contract_says_so(lake: Lake) -> None:
    contract = lake.ctx.cfg.root / "finance" / "datasets" / "expenses.yaml"
    contract.write_text(contract.read_text() + "  - {property: absentColumns, value: set_null}\n")
    lake.reload()
    lake.drop("finance", "expenses", [expense(1, T[0], description="first")])
    lake.drop("finance", "expenses", without([expense(1, T[1], amount="5.00")], "description"))
    promote(lake)
    assert ods(lake) == {1: (Decimal("5.00"), None)}


def test_duplicate_keys_in_one_file_latest_row_wins(lake: Lake) -> None:
    [rec] = lake.drop("finance", "expenses", [expense(1, T[0], amount="1.00"), expense(2, T[0], amount="2.00"),
                                              expense(1, T[0], amount="1.50")])
    assert rec.outcome == "staged" and "expense_id=1 at rows 1, 3" in rec.warnings[0]
    promote(lake)
    assert {k: v[0] for k, v in ods(lake).items()} == {1: Decimal("1.50"), 2: Decimal("2.00")}
