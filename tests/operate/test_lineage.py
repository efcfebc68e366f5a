"""lake lineage: tables across zones down to ingress; columns through the projection SQL."""

from __future__ import annotations

import json

from lake import lineage
from lake.cli import main
from lake.config import load_config
from tests.conftest import ZONES


def test_upstream_reaches_ingress_across_zones_and_depth_limits() -> None:
    cfg = load_config(ZONES)
    up = dict((t, lvl) for lvl, t in lineage.upstream(cfg, "executive_analytics.spend_by_department"))
    assert up["finance_analytics.expense_summary"] == 1 and up["finance_ods.expenses"] == 2
    assert up["ingress:finance/expenses"] == 4 and "ingress:finance/cost_centers" in up
    assert [t for _, t in lineage.upstream(cfg, "executive_analytics.spend_by_department", 1)] == [
        "finance_analytics.expense_summary"]
    down = [t for _, t in lineage.downstream(cfg, "ingress:finance/expenses")]
    assert "executive_analytics.spend_by_department" in down
    assert lineage.resolve(cfg, "finance/expenses") == "ingress:finance/expenses"
    assert lineage.resolve(cfg, "executive.spend_by_department") == "executive_analytics.spend_by_department"


def test_column_lineage_follows_projections_to_ods() -> None:
    hops = lineage.columns(load_config(ZONES), "executive_analytics.spend_by_department", "department")
    assert hops[0]["from"] == ["finance_analytics.expense_summary.department"]
    assert hops[1]["from"] == ["finance_ods.cost_centers.department"]


def test_cli_lineage(tmp_path, capsys) -> None:  # noqa: ANN001
    home = ["--home", str(tmp_path / "home")]
    assert main(["lineage", "executive.spend_by_department", "--depth", "2", *home]) == 0
    out = capsys.readouterr().out
    assert "<- finance_analytics.expense_summary" in out and "ingress:" not in out
    assert main(["lineage", "executive_analytics.spend_by_department", "--columns", "total_amount", "--json",
                 *home]) == 0
    assert json.loads(capsys.readouterr().out)[-1]["from"] == ["finance_ods.expenses.amount"]
    assert main(["lineage", "nope.nothing", *home]) == 2
