"""``lake catalog`` and ``lake describe`` on the built query lake (beside its fixture)."""

from __future__ import annotations

import json

import pytest

from lake.catalog import catalog, describe
from lake.cli import main
from lake.health import age_hours, freshness

pytestmark = pytest.mark.spark


def test_catalog_lists_what_the_zone_can_see(built) -> None:  # noqa: ANN001
    cfg, home = built.lake.ctx.cfg, built.lake.ctx.home
    rows = {r["table"]: r for r in catalog(cfg, home, "executive")}
    assert set(rows) == {"finance_analytics.expense_summary", "customer_success_analytics.account_pipeline",
                         "executive_analytics.spend_by_department", "executive_analytics.hiring_by_region"}
    summary = rows["finance_analytics.expense_summary"]
    assert summary["owner"] == "fiona.reyes@example.com" and summary["layer"] == "analytics"
    assert summary["rows"] == 2 and summary["last_update"] and summary["description"].startswith("Approved spend")
    fin = {r["table"]: r for r in catalog(cfg, home, "finance")}
    assert fin["finance_ods.expenses"]["rows"] == 3 and fin["finance_staging.expenses"]["rows"] == 4
    assert "customer_success_ods.accounts" not in fin


def test_describe_shows_columns_lineage_quality_and_freshness(built) -> None:  # noqa: ANN001
    d = describe(built.lake.ctx, "finance_ods.expenses")
    cols = {c["name"]: c for c in d["columns"]}
    assert cols["employee_email"]["pii"] and not cols["amount"]["pii"] and cols["amount"]["type"] == "decimal(12,2)"
    assert d["primary_key"] == ["expense_id"]
    assert d["upstream"] == ["finance_staging.expenses"]
    assert "finance_analytics.expense_summary" in d["downstream"]
    assert {q["rule"] for q in d["quality"]} >= {"expense_id_not_null"} and all(q["last_passed"] for q in d["quality"])
    assert d["freshness"] == "fresh" and d["health"] == "fresh"
    assert d["rows"] == 3 and d["snapshot_id"] and d["open_quarantines"] == []  # 4 rows staged, one an update
    down = describe(built.lake.ctx, "finance_analytics.expense_summary")
    assert down["downstream"] == ["executive_analytics.spend_by_department"]  # across zones
    assert down["upstream"] == ["finance_ods.cost_centers", "finance_ods.expenses"]


def test_freshness_against_sla(built) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    sla = built.lake.ctx.cfg.zones["finance"].datasets["expenses"].freshness_hours
    now = datetime(2026, 11, 3, tzinfo=UTC)
    assert freshness(sla, age_hours("2026-11-01T00:00:00+00:00", now)) == "stale"
    assert freshness(sla, age_hours("2026-11-02T12:00:00+00:00", now)) == "fresh"
    assert freshness(sla, None) == "no data" and freshness(None, 3.0) == "no SLA"


def test_cli(built, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    home = str(built.home)
    assert main(["catalog", "--home", home, "--zone", "finance", "--json"]) == 0
    assert "finance_ods.expenses" in {r["table"] for r in json.loads(capsys.readouterr().out)}
    assert main(["describe", "--home", home, "finance_ods.expenses"]) == 0
    out = capsys.readouterr().out
    assert "employee_email" in out and "PII" in out and "downstream: finance_analytics.expense_anomalies" in out
    assert main(["describe", "--home", home, "finance_ods.nope"]) == 2
