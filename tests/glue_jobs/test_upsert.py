"""Upserts and exactly-once promotion, through `lake drop` and `lake run`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark
T1, T2, T3 = "2026-11-01T09:00:00+00:00", "2026-11-02T09:00:00+01:00", "2026-11-03T09:00:00-05:00"


def amounts(lake: Lake) -> dict[int, Decimal]:
    rows = lake.q("finance", "SELECT expense_id, amount FROM finance_ods.expenses")
    return {r["expense_id"]: r["amount"] for r in rows}


def test_latest_wins_within_and_across_batches_and_late_old_versions_lose(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T1, amount="1.00"), expense(1, T2, amount="2.00"),
                                      expense(2, T1, amount="5.00")])
    assert lake.run().ok
    assert amounts(lake) == {1: Decimal("2.00"), 2: Decimal("5.00")}
    # A late file: an older version of 1 (must not win) and a newer one of 2.
    lake.drop("finance", "expenses", [expense(1, T1, amount="9.99"), expense(2, T3, amount="6.00")])
    assert lake.run().ok
    assert amounts(lake) == {1: Decimal("2.00"), 2: Decimal("6.00")}


def test_ties_go_to_the_later_ingest_then_the_later_row(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1, T1, amount="1.00"), expense(1, T1, amount="1.50")])
    lake.drop("finance", "expenses", [expense(2, T1, amount="2.00")])
    lake.drop("finance", "expenses", [expense(2, T1, amount="2.50")])
    assert lake.run().ok
    assert amounts(lake) == {1: Decimal("1.50"), 2: Decimal("2.50")}


def test_rerun_promotes_nothing_twice(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1), expense(2)])
    first = lake.run()
    again = lake.run()
    assert [p.ingests for p in again.promotions if p.ingests] == []
    assert first.ok and amounts(lake) == {1: Decimal("10.00"), 2: Decimal("10.00")}
    snapshots = lake.q("finance", "SELECT COUNT(*) AS n FROM finance_ods.expenses")
    assert snapshots == [{"n": 2}]


def test_job_killed_after_commit_before_ledger_rerun_yields_same_table(lake: Lake, monkeypatch) -> None:  # noqa: ANN001
    lake.drop("finance", "expenses", [expense(1, T1, amount="1.00"), expense(2, T2, amount="2.00")])
    lake.run()
    lake.drop("finance", "expenses", [expense(1, T3, amount="3.00"), expense(3, T1, amount="4.00")])

    def killed(*_: object) -> None:
        raise SystemExit("killed between the Iceberg commit and the ledger update")

    monkeypatch.setattr(type(lake.ctx.ledger), "mark_promoted", killed)
    with pytest.raises(SystemExit):
        lake.run()
    monkeypatch.undo()
    assert lake.run().ok  # the same batch is merged again: harmless
    rows = lake.q("finance", "SELECT expense_id, amount FROM finance_ods.expenses ORDER BY 1")
    assert [(r["expense_id"], r["amount"]) for r in rows] == [(1, Decimal("3.00")), (2, Decimal("2.00")),
                                                              (3, Decimal("4.00"))]
    assert lake.ctx.ledger.pending_promotion("finance", "expenses") == []


def test_traceability_columns(lake: Lake) -> None:
    recs = lake.drop("finance", "expenses", [expense(1)])
    lake.run()
    row = lake.q("finance", "SELECT _ingest_id, _ingested_at, _promoted_at FROM finance_ods.expenses")[0]
    assert row["_ingest_id"] == recs[-1].ingest_id
    assert row["_ingested_at"] <= row["_promoted_at"]


def test_first_load_inserts_without_merge_and_a_crash_before_the_ledger_merges_the_same_rows(
        lake: Lake, monkeypatch) -> None:  # noqa: ANN001
    # An empty table has nothing to match: the first load inserts the deduplicated batch (no MERGE and
    # its matching passes); a rerun after a crash before the ledger update MERGEs the same rows, harmlessly.
    from lake.tasks.to_ods import tables

    merges: list[str] = []
    real = tables.merge_sql
    monkeypatch.setattr(tables, "merge_sql", lambda *a, **k: merges.append(a[1]) or real(*a, **k))
    lake.drop("finance", "expenses", [expense(1, T1, amount="1.00"), expense(1, T2, amount="2.00"),
                                      expense(2, T1, amount="5.00")])
    ledger = type(lake.ctx.ledger)
    mark_promoted = ledger.mark_promoted
    monkeypatch.setattr(ledger, "mark_promoted", lambda *_: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        lake.run()
    assert merges == [] and amounts(lake) == {1: Decimal("2.00"), 2: Decimal("5.00")}
    monkeypatch.setattr(ledger, "mark_promoted", mark_promoted)
    assert lake.run().ok
    # (the MERGE targets the table's audit branch, published to main after the quality counts)
    assert [m.split(".branch_")[0] for m in merges] == ["finance_ods.expenses"]
    assert amounts(lake) == {1: Decimal("2.00"), 2: Decimal("5.00")}
    assert lake.ctx.ledger.pending_promotion("finance", "expenses") == []
