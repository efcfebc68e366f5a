"""lake status and lake check-freshness: health per table, one alert per stale table until fresh."""

from __future__ import annotations

import json
from pathlib import Path

from lake.backends.ledger import IngestRecord, new_ingest_id
from lake.cli import main
from lake.local.ingest import drop_file
from lake.runtime.context import Context
from lake.status import check_freshness, status
from tests.ingest.conftest import FIXTURES, HEADER

OLD = "2024-01-01T00:00:00.000+00:00"


def _old_load(ctx: Context) -> None:
    rec = ctx.ledger.claim(IngestRecord(new_ingest_id(), "finance", "expenses", "ingress", "finance/expenses/a.csv",
                                        "v1", "", 1, OLD))
    ctx.ledger.complete(rec.ingest_id, outcome="staged", rows_staged=7, completed_at=OLD)


def test_health_never_loaded_fresh_failing(ctx: Context, tmp_path: Path) -> None:
    rows = {r["table"]: r for r in status(ctx)}
    assert rows["finance_ods.expenses"]["health"] == "never loaded"
    assert rows["finance_analytics.expense_summary"]["health"] == "never loaded"
    drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    row = {r["table"]: r for r in status(ctx, "finance")}["finance_ods.expenses"]
    # staged, not promoted: the ODS table holds nothing yet; the staged rows wait for `lake run`
    assert row["health"] == "fresh" and row["rows"] is None and row["open_quarantines"] == []
    assert row["pending_rows"] > 0
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + "x,no,CC-1,travel,abc,USD,13/45/2026,nope,maybe,\n")
    [rec] = drop_file(ctx, bad, "finance", "expenses")
    row = {r["table"]: r for r in status(ctx, "finance")}["finance_ods.expenses"]
    assert row["health"] == "failing" and row["open_quarantines"][0]["ingest_id"] == rec.ingest_id
    assert row["open_alerts"] == ["file quarantined"]
    assert {r["zone"] for r in status(ctx, "finance")} == {"finance"}


def test_check_freshness_alerts_each_stale_table_once(ctx: Context) -> None:
    _old_load(ctx)
    assert {r["table"]: r for r in status(ctx)}["finance_ods.expenses"]["health"] == "stale"
    [stale] = check_freshness(ctx)
    assert stale["table"] == "finance_ods.expenses"
    check_freshness(ctx)  # still stale: no second alert
    alerts = ctx.alerts.read()
    assert sorted(a.zone for a in alerts) == ["executive", "finance"]
    owner = next(a for a in alerts if a.zone == "finance")
    assert owner.context["cause"] == "stale" and "26 h" in owner.subject and "ingress" in owner.detail
    drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert check_freshness(ctx) == []
    assert sorted(a.zone for a in ctx.alerts.read() if a.context.get("recovery")) == ["executive", "finance"]


def test_cli_status_json_and_check_freshness_exit(ctx: Context, capsys) -> None:  # noqa: ANN001
    home = str(ctx.home.root)
    assert main(["status", "--home", home, "--zone", "finance", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {t["table"] for t in doc["tables"]} >= {"finance_ods.expenses", "finance_analytics.expense_summary"}
    assert main(["check-freshness", "--home", home]) == 0
    _old_load(ctx)
    assert main(["check-freshness", "--home", home]) == 1
    assert "finance_ods.expenses" in capsys.readouterr().out


def test_a_failed_quality_rule_fails_the_table_until_it_passes(ctx: Context) -> None:
    drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")

    def check(rule: str, passed: bool, at: str) -> None:
        ctx.records.add("quality_results", run_id="run-q", zone="finance", table_name="finance_ods.expenses",
                        rule=rule, passed=passed, failing_rows=0 if passed else 2, checked_at=at)

    check("retired_rule", False, "2026-11-01T00:00:00+00:00")  # no longer in the contract: not held against it
    assert {r["table"]: r for r in status(ctx, "finance")}["finance_ods.expenses"]["health"] == "fresh"
    check("amount_not_negative", False, "2026-11-01T00:00:00+00:00")
    row = {r["table"]: r for r in status(ctx, "finance")}["finance_ods.expenses"]
    assert row["health"] == "failing" and row["failed_rules"] == ["amount_not_negative"]
    check("amount_not_negative", True, "2026-11-02T00:00:00+00:00")  # the newest check decides
    assert {r["table"]: r for r in status(ctx, "finance")}["finance_ods.expenses"]["health"] == "fresh"
