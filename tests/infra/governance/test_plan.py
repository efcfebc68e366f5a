"""The catalog governor's plan: which columns are PII, which tables are shared with whom."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.governance.runtime.plan import plan
from lake.config import LakeConfig, load_config
from tests.infra.conftest import ROOT


@pytest.fixture(scope="module")
def cfg() -> LakeConfig:
    return load_config(ROOT / "insight_zones")


def test_contract_pii_columns_are_pii_and_the_rest_general(cfg: LakeConfig) -> None:
    p = plan(cfg, "finance_ods", "expenses", ["expense_id", "employee_email", "amount", "_ingest_id"])
    assert p is not None
    assert p.pii_columns == ["employee_email"]
    assert p.general_columns == ["expense_id", "amount", "_ingest_id"]
    assert p.shared_with == []


def test_staging_side_tables_treat_any_zone_pii_name_as_pii(cfg: LakeConfig) -> None:
    p = plan(cfg, "finance_ods", "expenses_held_back", ["owner_email", "employee_email", "note"])
    assert p is not None and sorted(p.pii_columns) == ["employee_email", "owner_email"]


def test_published_tables_are_shared_with_their_targets_only(cfg: LakeConfig) -> None:
    p = plan(cfg, "finance_analytics", "expense_summary", ["department", "total_amount"])
    assert p is not None and p.shared_with == ["executive"]
    assert p.shared_tags == {"shared_with_executive": "true"}
    assert plan(cfg, "customer_success_analytics", "account_pipeline", ["x"]).shared_with == ["executive"]  # type: ignore[union-attr]
    assert plan(cfg, "finance_ods", "expenses", ["x"]).shared_with == []  # type: ignore[union-attr]


def test_analytics_columns_are_tagged_by_lineage_not_by_name(zones_copy: Path) -> None:
    (zones_copy / "finance/projections/renamed.sql").write_text(
        "SELECT employee_email AS contact, category AS owner_email FROM finance_ods.expenses")
    p = plan(load_config(zones_copy), "finance_analytics", "renamed", ["contact", "owner_email", "_promoted_at"])
    assert p is not None and p.pii_columns == ["contact"]
    assert p.general_columns == ["owner_email", "_promoted_at"]


def test_tables_outside_the_lake_are_left_alone(cfg: LakeConfig) -> None:
    assert plan(cfg, "someone_else", "t", ["a"]) is None
    assert plan(cfg, "finance_landing", "t", ["a"]) is None
