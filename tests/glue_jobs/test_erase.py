"""Glue job ``erase``: its arguments name a request in the landing bucket, never the value; a
failed erasure keeps its request, and running it again resumes where it stopped."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from glue_jobs.erase import job
from lake.cli import main
from lake.erasure.request import PREFIX, ErasureRequest, pending, save
from tests.glue_jobs.conftest import Lake, expense

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DANA = "dana.lee@example.com"


def requests_left(lake: Lake) -> list[str]:
    return [o.key for o in lake.ctx.storage.list(lake.ctx.buckets.landing, PREFIX)]


def test_the_job_reads_its_request_from_landing_and_deletes_it(lake: Lake, monkeypatch) -> None:  # noqa: ANN001
    lake.drop("finance", "expenses", [expense(1, employee_email=DANA), expense(2)])
    assert lake.run().ok
    key = save(lake.ctx, ErasureRequest("erase-job-1", "person_email", "Dana.Lee@Example.com"))
    home = str(lake.ctx.home.root)
    monkeypatch.setenv("LAKE_BACKEND", "local")
    monkeypatch.setenv("LAKE_HOME", home)
    monkeypatch.setenv("LAKE_CONFIG", str(lake.ctx.cfg.root))

    monkeypatch.setattr(sys, "argv", ["job.py", "--request_id", "erase-other", "--request_key", key])
    with pytest.raises(ValueError, match="holds request erase-job-1, not erase-other"):
        job.main()
    assert requests_left(lake) == [key]  # a mismatched run erased nothing and kept the request

    monkeypatch.setattr(sys, "argv", ["job.py", "--request_id", "erase-job-1", "--request_key", key,
                                      "--lake_home", home])
    job.main()
    assert requests_left(lake) == []
    ids = [r["expense_id"] for r in lake.q("finance", "SELECT expense_id FROM finance_ods.expenses")]
    assert ids == [2]
    erasures = lake.q("finance", "SELECT request_id, subject_kind, rows_removed FROM platform.erasures")
    assert erasures == [{"request_id": "erase-job-1", "subject_kind": "person_email", "rows_removed": 4}]  # ingress,
    # landing, staging, ODS: one row each


def test_a_failed_erasure_keeps_its_request_and_the_next_run_resumes_it(
        lake: Lake, capsys: pytest.CaptureFixture[str]) -> None:
    lake.drop("finance", "expenses", [expense(1, employee_email=DANA), expense(2)])
    assert lake.run().ok
    sql = Path(lake.ctx.cfg.root) / "finance" / "projections" / "expense_summary.sql"
    good = sql.read_text()
    sql.write_text(good.replace("SUM(e.amount)", "amountt(e.amount)"))  # validate passes; Spark cannot resolve it
    args = ["forget", "--subject", f"person_email={DANA}", "--home", str(lake.ctx.home.root),
            "--config", str(lake.ctx.cfg.root)]

    assert main(args) == 1
    assert "erasure incomplete: could not rebuild finance_analytics.expense_summary" in capsys.readouterr().err
    (left,) = pending(lake.ctx)
    assert "finance_ods.expenses" in left.changed  # the retry must finish this table's history
    assert [r["expense_id"] for r in lake.q("finance", "SELECT expense_id FROM finance_ods.expenses")] == [2]

    sql.write_text(good)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"erasure {left.request_id}: " in out  # the same request, resumed
    assert "deleted   finance_ods.expenses: 0 row(s), older snapshots expired" in out
    assert "rebuilt   finance_analytics.expense_summary, older snapshots expired" in out
    assert requests_left(lake) == []
    snaps = lake.q("finance", 'SELECT snapshot_id FROM finance_analytics."expense_summary$snapshots"')
    assert len(snaps) == 1
    assert [r["total_amount"] for r in lake.q("finance", "SELECT total_amount FROM finance_analytics.expense_summary")
            ] == [10]
