"""Steward approval for datasets whose contract says `promotion: manual`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lake.approvals import decide, waiting
from tests.glue_jobs.conftest import Lake

pytestmark = pytest.mark.spark
CC = {"cost_center_id": "CC-9", "name": "New", "department": "Ops", "owner_email": "o@example.com"}


@pytest.fixture
def manual(lake: Lake, zones_copy: Path) -> Lake:
    path = zones_copy / "finance/datasets/cost_centers.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["customProperties"].append({"property": "promotion", "value": "manual"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    lake.reload()
    return lake


def test_waits_until_approved(manual: Lake) -> None:
    rec = manual.drop("finance", "cost_centers", [CC])[-1]
    manual.run()
    assert manual.q("finance", "SELECT * FROM finance_ods.cost_centers") == []
    assert [r.ingest_id for r in waiting(manual.ctx, "finance")] == [rec.ingest_id]
    assert decide(manual.ctx, "finance/cost_centers", "approved", rec.ingest_id) == [rec.ingest_id]
    manual.run()
    assert [r["cost_center_id"] for r in manual.q("finance", "SELECT * FROM finance_ods.cost_centers")] == ["CC-9"]
    assert waiting(manual.ctx, "finance") == []


def test_rejected_never_reaches_ods_and_producers_are_told(manual: Lake) -> None:
    manual.drop("finance", "cost_centers", [CC])
    decide(manual.ctx, "finance/cost_centers", "rejected", reason="wrong department codes")
    manual.run()
    assert manual.q("finance", "SELECT * FROM finance_ods.cost_centers") == []
    alert = next(a for a in manual.ctx.alerts.read() if "rejected" in a.subject)
    assert "wrong department codes" in alert.subject and "erp_export" in alert.detail
