"""The run log: one platform.runs row per task run, joined to the JSON log lines by run id."""

from __future__ import annotations

import json

import pytest

from lake.local.ingest import drop_file, sweep
from lake.runtime.runlog import runs, task_run
from tests.glue_jobs.conftest import Lake, expense
from tests.ingest.conftest import FIXTURES, HEADER


def _logs(ctx) -> list[dict]:  # noqa: ANN001
    return [json.loads(line) for line in (ctx.home.platform / "logs.jsonl").read_text().splitlines()]


def test_ingest_writes_receiver_and_validator_runs(ctx, tmp_path) -> None:  # noqa: ANN001
    [rec] = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    by_task = {r["task"]: r for r in runs(ctx, "finance")}
    receiver, validator = by_task["receiver"], by_task["validator"]
    assert receiver["parent_run_id"] == validator["parent_run_id"] == rec.ingest_id
    assert receiver["status"] == validator["status"] == "succeeded"
    assert receiver["inputs"] == ["s3://ingress/finance/expenses/expenses_good.csv"]
    assert validator["table_name"] == "finance_staging.expenses"
    assert validator["rows_in"] == rec.rows_read and validator["rows_out"] == rec.rows_staged > 0
    assert validator["outputs"] == [f"s3://staging/{rec.staged_key}"]
    assert validator["started_at"] <= validator["ended_at"]
    logged = {line["run_id"] for line in _logs(ctx) if line.get("run_id")}
    assert {receiver["run_id"], validator["run_id"]} <= logged


def test_quarantined_file_is_a_failed_validator_run(ctx, tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + "x,not-an-email,CC-1,travel,abc,USD,13/45/2026,nope,maybe,\n" * 3)
    [rec] = drop_file(ctx, bad, "finance", "expenses")
    assert rec.outcome == "quarantined"
    [v] = [r for r in runs(ctx) if r["task"] == "validator"]
    assert v["status"] == "failed" and v["error"] == rec.reason and v["rows_quarantined"] == 3


def test_sweep_is_a_run_and_an_exception_fails_the_run(ctx) -> None:  # noqa: ANN001
    sweep(ctx)
    assert [r["task"] for r in runs(ctx)] == ["sweep"]
    with pytest.raises(RuntimeError), task_run(ctx, "to_ods", zone="finance") as run:
        raise RuntimeError("boom\nstack")
    failed = next(r for r in runs(ctx) if r["run_id"] == run.run_id)
    assert failed["status"] == "failed" and failed["error"] == "boom"


@pytest.mark.spark
def test_promotion_runs_share_the_parent_run_id(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1), expense(2)])
    report = lake.run()
    assert report.ok
    mine = [r for r in runs(lake.ctx) if r["parent_run_id"] == report.run_id]
    to_ods = next(r for r in mine if r["table_name"] == "finance_ods.expenses")
    assert to_ods["task"] == "to_ods" and to_ods["status"] == "succeeded" and to_ods["rows_in"] == 2
    assert to_ods["outputs"] == ["finance_ods.expenses"]
    [staged] = to_ods["inputs"]
    assert staged.startswith("s3://staging/finance/expenses/ingest_date=") and staged.endswith(".parquet")
    summary = next(r for r in mine if r["table_name"] == "finance_analytics.expense_summary")
    assert summary["task"] == "projection" and summary["status"] == "succeeded"
    assert "finance_ods.expenses" in summary["inputs"]
    [whole] = [r for r in runs(lake.ctx) if r["run_id"] == report.run_id]
    assert whole["task"] == "promotion" and whole["status"] == "succeeded"
