"""lake plan: a change's downstream impact from config alone, against a git revision, as a user runs it
(a git repository holding a copy of insight_zones, edited by each test)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from lake.cli import main
from tests.conftest import ZONES

SUMMARY = "finance/projections/expense_summary.sql"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ZONES, root / "insight_zones")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    return root / "insight_zones"


def _plan(zones: Path, capsys, *extra: str) -> tuple[int, str]:  # noqa: ANN001
    code = main(["plan", "--config", str(zones), "--home", str(zones.parent / "home"), *extra])
    return code, capsys.readouterr().out


def _edit_contract(zones: Path, fn) -> None:  # noqa: ANN001
    path = zones / "finance/datasets/expenses.yaml"
    doc = yaml.safe_load(path.read_text())
    fn(doc["schema"][0]["properties"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _edit(zones: Path, rel: str, old: str, new: str) -> None:
    path = zones / rel
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def test_removed_projection_column_breaks_downstream_exit_1_with_zones(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit(repo, SUMMARY, "  SUM(e.amount) AS total_amount,\n", "")
    code, out = _plan(repo, capsys)
    assert code == 1, out
    assert "! finance_analytics.expense_summary: column 'total_amount' was removed or renamed (BREAKING)" in out
    assert ("x breaks executive_analytics.spend_by_department: unknown column 'total_amount' of "
            "finance_analytics.expense_summary "
            "(insight_zones/executive/projections/spend_by_department.sql:5:7)") in out
    assert "  read by zones: finance_analytics.expense_summary: finance, executive" in out
    assert "  read by zones: executive_analytics.spend_by_department: executive" in out
    assert "plan: BREAKING: 1 projection(s) break; zones affected: executive, finance" in out
    assert "nothing" not in out


def test_projection_columns_added_and_retyped(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit(repo, SUMMARY, "  COUNT(*) AS expense_count\n",
          "  COUNT(*) AS expense_count,\n  MAX(e.amount) AS largest\n")
    _edit(repo, SUMMARY, "CAST(date_trunc('month', e.expense_date) AS DATE) AS month",
          "date_format(e.expense_date, '%Y-%m') AS month")
    code, out = _plan(repo, capsys)
    assert "~ finance_analytics.expense_summary: add column largest decimal(12,2) (additive)" in out
    assert "! finance_analytics.expense_summary: column 'month' changes type from date to varchar (BREAKING)" in out
    assert code == 1  # executive reads the table: a retyped column breaks its readers' queries
    assert "read by zones: finance_analytics.expense_summary: finance, executive" in out


def test_removed_contract_column_breaks_downstream_across_zones(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit_contract(repo, lambda props: props.remove(next(p for p in props if p["name"] == "amount")))
    code, out = _plan(repo, capsys)
    assert code == 1 and "! finance_ods.expenses: column 'amount' was removed or renamed (BREAKING)" in out
    assert "x breaks finance_analytics.expense_summary: column 'amount' is not in finance_ods.expenses (as e)" in out
    assert "x breaks executive_analytics.spend_by_department: reads finance_analytics.expense_summary, which " \
           "breaks" in out
    assert "x breaks finance_analytics.expense_anomalies: uses finance_ods.expenses.amount (expense_anomalies.py)" \
        in out


def test_unused_contract_column_removed_is_breaking_for_readers(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit_contract(repo, lambda props: props.remove(next(p for p in props if p["name"] == "description")))
    code, out = _plan(repo, capsys, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["breaking"] and doc["broken"] == {}  # no projection uses it; readers may
    assert doc["consumers"] == {"finance_ods.expenses": ["finance"]}


def test_contract_type_change_flows_into_projection_types(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit_contract(repo, lambda props: next(p for p in props if p["name"] == "amount").update(
        physicalType="double"))
    code, out = _plan(repo, capsys)
    assert "! finance_ods.expenses: column 'amount' would narrow from decimal(12,2) to double (BREAKING)" in out
    # SUM(amount) is decimal(38,2), as Athena types it (and the Spark build writes it)
    assert "! finance_analytics.expense_summary: column 'total_amount' changes type from decimal(38,2) to double " \
           "(BREAKING)" in out
    assert code == 1


def test_python_projection_change_is_flagged_for_diff(repo: Path, capsys) -> None:  # noqa: ANN001
    _edit(repo, "finance/projections/expense_anomalies.py", "THRESHOLD = 3.5", "THRESHOLD = 3.0")
    code, out = _plan(repo, capsys)
    assert code == 0, out
    assert "? finance_analytics.expense_anomalies: changed; a Python projection: run `lake plan --diff` to " \
           "compare its columns" in out


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
    assert out.rstrip().endswith("plan: nothing breaks")


def test_invalid_config_exits_2(repo: Path, capsys) -> None:  # noqa: ANN001
    (repo / "finance/zone.yaml").write_text("zone: [\n")
    assert _plan(repo, capsys)[0] == 2


def test_removed_projection_is_breaking_for_its_readers(repo: Path, capsys) -> None:  # noqa: ANN001
    (repo / "customer_success/projections/account_pipeline.sql").unlink()
    for zone, key in (("customer_success", "publish"), ("executive", "subscribe")):
        path = repo / zone / "zone.yaml"
        doc = yaml.safe_load(path.read_text())
        doc[key] = [x for x in doc[key] if "account_pipeline" not in str(x)]
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out = _plan(repo, capsys)
    assert code == 1
    assert "- table customer_success_analytics.account_pipeline (BREAKING)" in out
    assert ("x breaks executive_analytics.hiring_by_region: unknown table "
            "'customer_success_analytics.account_pipeline'") in out
    assert "  read by zones: customer_success_analytics.account_pipeline: customer_success, executive" in out
