"""PII never reaches ODS or analytics raw; hashes join within a zone."""

from __future__ import annotations

import stat

import pytest

from lake.pii import hmac_hex, zone_key
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


def test_no_raw_pii_under_ods_or_analytics_and_hashes_join(lake: Lake) -> None:
    lake.drop("finance", "cost_centers", [{"cost_center_id": "CC-100", "name": "Platform",
                                           "department": "Engineering", "owner_email": "boss@example.com"}])
    lake.drop("finance", "expenses", [expense(1, employee_email="boss@example.com"),
                                      expense(2, employee_email="dev@example.com")])
    assert lake.run().ok
    warehouse = lake.ctx.home.warehouse
    for raw in (b"boss@example.com", b"dev@example.com"):
        hits = [p for p in warehouse.rglob("*") if p.is_file() and raw in p.read_bytes()]
        assert hits == [], f"raw PII found in {hits}"
    # Same person, two datasets of one zone: the same hash, so they join.
    joined = lake.q(None, "SELECT e.expense_id FROM finance_ods.expenses e "
                          "JOIN finance_ods.cost_centers c ON c.owner_email = e.employee_email",
                    principal="finance_auditor")  # only a PII reader may name PII columns
    assert joined == [{"expense_id": 1}]
    key_file = lake.ctx.home.platform / "keys" / "finance.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = lake.q(None, "SELECT employee_email FROM finance_ods.expenses WHERE expense_id = 1",
                    principal="finance_auditor")[0]
    assert stored["employee_email"] == hmac_hex(zone_key(key_file.parent, "finance"), "boss@example.com")


def test_zones_have_different_keys(tmp_path) -> None:  # noqa: ANN001
    a, b = zone_key(tmp_path, "finance"), zone_key(tmp_path, "customer_success")
    assert a != b and zone_key(tmp_path, "finance") == a
