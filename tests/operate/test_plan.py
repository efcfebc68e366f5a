"""lake plan: a change's downstream impact from config alone, against a git revision."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lake.cli import main
from tests.conftest import ZONES


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ZONES, root / "insight_zones")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    return root / "insight_zones"


def _plan(zones: Path, capsys) -> tuple[int, str]:  # noqa: ANN001
    code = main(["plan", "--config", str(zones), "--home", str(zones.parent / "home")])
    return code, capsys.readouterr().out


def _edit_contract(zones: Path, fn) -> None:  # noqa: ANN001
    path = zones / "finance/datasets/expenses.yaml"
    doc = yaml.safe_load(path.read_text())
    fn(doc["schema"][0]["properties"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def test_removed_projection_column_breaks_spend_by_department(repo: Path, capsys) -> None:  # noqa: ANN001
    sql = repo / "finance/projections/expense_summary.sql"
    sql.write_text(sql.read_text().replace("  SUM(e.amount) AS total_amount,\n", ""))
    code, out = _plan(repo, capsys)
    assert code == 1
    assert "finance_analytics.expense_summary: column 'total_amount' was removed or renamed (BREAKING)" in out
    assert "x breaks executive_analytics.spend_by_department: uses finance_analytics.expense_summary.total_amount" \
        in out


def test_removed_contract_column_breaks_downstream_across_zones(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit_contract(repo, lambda props: props.remove(next(p for p in props if p["name"] == "amount")))
    code, out = _plan(repo, capsys)
    assert code == 1 and "finance_ods.expenses: column 'amount' was removed or renamed (BREAKING)" in out
    assert "x breaks finance_analytics.expense_summary: uses finance_ods.expenses.amount" in out
    assert "x breaks executive_analytics.spend_by_department: reads finance_analytics.expense_summary" in out


def test_additive_change_passes_and_grants_are_reported(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit_contract(repo, lambda props: props.append({"name": "project_code", "logicalType": "string",
                                                     "physicalType": "string", "required": False}))
    zone = repo / "executive/zone.yaml"
    doc = yaml.safe_load(zone.read_text())
    doc["readers"].append("board_member")
    zone.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out = _plan(repo, capsys)
    assert code == 0, out
    assert "~ finance_ods.expenses: add project_code string (additive)" in out
    assert "+ grant board_member: " in out and "finance_analytics.expense_summary" in out
    assert "plan: nothing downstream breaks" in out
