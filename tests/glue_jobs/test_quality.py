"""Quality gates: quarantine holds failing rows back, warn records, halt stops the batch."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


def set_action(zones: Path, rule: str, action: str) -> None:
    path = zones / "finance/datasets/expenses.yaml"
    doc = yaml.safe_load(path.read_text())
    for prop in doc["schema"][0]["properties"]:
        for q in prop.get("quality", []):
            if q["name"] == rule:
                q["customProperties"] = [{"property": "action", "value": action}]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def results(lake: Lake) -> dict[str, dict]:
    rows = lake.q("finance", "SELECT rule, action, passed, failing_rows FROM platform.quality_results")
    return {r["rule"]: r for r in rows}


def test_quarantine_rules_hold_rows_back_with_reasons(lake: Lake) -> None:
    lake.drop("finance", "expenses", [
        expense(1), expense(2, amount="-5.00"), expense(3, currency="usd"), expense(4, category="golf"),
        expense(5, currency="EURO", amount="-1.00")])
    report = lake.run()
    assert report.ok and report.promotions[-1].rows_quarantined == 4
    assert [r["expense_id"] for r in lake.q("finance", "SELECT expense_id FROM finance_ods.expenses")] == [1]
    held = lake.q("finance", "SELECT expense_id, _reason FROM finance_ods.expenses__quarantine ORDER BY 1")
    assert held == [{"expense_id": 2, "_reason": "amount_not_negative"},
                    {"expense_id": 3, "_reason": "currency_iso_code"},
                    {"expense_id": 4, "_reason": "category_accepted"},
                    {"expense_id": 5, "_reason": "amount_not_negative, currency_iso_code"}]
    got = results(lake)
    assert got["amount_not_negative"] == {"rule": "amount_not_negative", "action": "quarantine", "passed": False,
                                          "failing_rows": 2}
    assert got["expense_id_not_null"]["passed"] is True
    # No raw PII in the quarantine table either.
    emails = lake.q(None, "SELECT employee_email FROM finance_ods.expenses__quarantine",
                    principal="finance_auditor")
    assert all("@" not in r["employee_email"] for r in emails)


def test_warn_promotes_and_records(lake: Lake, zones_copy: Path) -> None:
    set_action(zones_copy, "currency_iso_code", "warn")
    lake.reload()
    lake.drop("finance", "expenses", [expense(1), expense(2, currency="usd")])
    assert lake.run().ok
    assert len(lake.q("finance", "SELECT * FROM finance_ods.expenses")) == 2
    assert results(lake)["currency_iso_code"] == {"rule": "currency_iso_code", "action": "warn", "passed": False,
                                                  "failing_rows": 1}


def test_halt_promotes_nothing_and_alerts(lake: Lake, zones_copy: Path) -> None:
    set_action(zones_copy, "category_accepted", "halt")
    lake.reload()
    lake.drop("finance", "expenses", [expense(1), expense(2, category="golf")])
    report = lake.run()
    assert not report.ok and report.promotions[-1].status == "halted"
    assert lake.q("finance", "SELECT * FROM finance_ods.expenses") == []
    assert lake.ctx.ledger.pending_promotion("finance", "expenses")  # still waiting
    alerts = [a for a in lake.ctx.alerts.read() if "halted" in a.subject and a.zone == "finance"]
    assert len(alerts) == 1 and "category_accepted" in alerts[0].subject
    assert alerts[0].context["run_id"] == report.run_id
    assert "fiona.reyes@example.com" in alerts[0].recipients
