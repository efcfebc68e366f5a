"""The one-pass promotion (write-audit-publish): the write measures the quality rules and lands on an
audit branch; main moves only when no halting rule failed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lake.spark import local_session
from lake.tasks.to_ods import tables
from lake.tasks.to_ods.promote import Promotion, promote_task
from tests.glue_jobs.conftest import Lake, expense
from tests.glue_jobs.test_quality import set_action

pytestmark = pytest.mark.spark
TABLE = "finance_ods.expenses"
T = [f"2026-11-0{d}T09:00:00+00:00" for d in range(1, 8)]


def promote(lake: Lake) -> Promotion:
    lake.n += 1
    return promote_task(local_session(lake.ctx.home.warehouse), lake.ctx, "finance", "expenses", f"run-{lake.n}")


def refs(lake: Lake) -> list[str]:
    return sorted(r["name"] for r in local_session(lake.ctx.home.warehouse).sql(f"SELECT name FROM {TABLE}.refs")
                  .collect())


def ods(lake: Lake) -> dict[int, Decimal]:
    return {r["expense_id"]: r["amount"] for r in lake.q("finance", f"SELECT expense_id, amount FROM {TABLE}")}


def test_first_load_counts_every_row_and_keeps_the_latest_per_key(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T[1], amount="1.00"), expense(2, T[0], amount="2.00"),
                                      expense(1, T[0], amount="9.00"), expense(3, T[0], amount="3.00"),
                                      expense(3, T[0], amount="3.50")])
    p = promote(lake)
    assert (p.status, p.rows_in, p.rows_out, p.rows_quarantined) == ("promoted", 5, 3, 0)
    assert ods(lake) == {1: Decimal("1.00"), 2: Decimal("2.00"), 3: Decimal("3.50")}
    assert refs(lake) == ["main"]  # the audit branch is gone once published


def test_a_halted_batch_never_reaches_main_and_the_next_one_promotes(lake: Lake, zones_copy: Path) -> None:
    lake.drop("finance", "expenses", [expense(1, T[0], amount="1.00"), expense(2, T[0], amount="2.00")])
    assert promote(lake).status == "promoted"
    set_action(zones_copy, "category_accepted", "halt")
    lake.reload()
    lake.drop("finance", "expenses", [expense(1, T[1], amount="5.00"), expense(3, T[1], amount="3.00"),
                                      expense(4, T[1], category="golf")])
    p = promote(lake)
    assert (p.status, p.rows_in) == ("halted", 3) and "category_accepted" in (p.error or "")
    assert ods(lake) == {1: Decimal("1.00"), 2: Decimal("2.00")} and refs(lake) == ["main"]
    # The halted write's snapshot is the newest one, but the table's rows are main's.
    assert tables.row_count(local_session(lake.ctx.home.warehouse), TABLE) == 2
    assert lake.ctx.ledger.pending_promotion("finance", "expenses")
    set_action(zones_copy, "category_accepted", "quarantine")
    lake.reload()
    p = promote(lake)
    assert (p.status, p.rows_in, p.rows_quarantined, p.rows_out) == ("promoted", 3, 1, 3)
    assert ods(lake) == {1: Decimal("5.00"), 2: Decimal("2.00"), 3: Decimal("3.00")}
    assert not lake.ctx.ledger.pending_promotion("finance", "expenses")


def test_a_branch_left_by_a_crashed_run_is_replaced(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T[0], amount="1.00")])
    promote(lake)
    spark = local_session(lake.ctx.home.warehouse)
    target = tables.audit_branch(spark, TABLE)  # as a run killed after its write would leave it
    spark.sql(f"DELETE FROM {target} WHERE expense_id = 1")
    lake.drop("finance", "expenses", [expense(2, T[1], amount="2.00")])
    p = promote(lake)
    assert (p.status, p.rows_out) == ("promoted", 2) and refs(lake) == ["main"]
    assert ods(lake) == {1: Decimal("1.00"), 2: Decimal("2.00")}


def test_metrics_that_never_arrive_fail_the_run_instead_of_hanging(spark) -> None:  # noqa: ANN001
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    from lake.tasks.to_ods.promote import _metrics

    ran, never = Observation("ran"), Observation("never")
    spark.range(7).observe(ran, F.count(F.lit(1)).alias("n")).collect()
    spark.range(3).observe(never, F.count(F.lit(1)).alias("n"))  # no action: no metrics ever
    assert _metrics(spark, ran, seconds=5) == {"n": 7}
    with pytest.raises(RuntimeError, match="did not arrive within 1 s"):
        _metrics(spark, never, seconds=1)
