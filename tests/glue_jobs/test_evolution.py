"""Schema evolution: additive changes in place, breaking ones refused unless the major version moves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lake.cli import main
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


def edit_contract(zones: Path, change) -> None:  # noqa: ANN001
    path = zones / "finance/datasets/expenses.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def props(doc: dict) -> list[dict]:
    return doc["schema"][0]["properties"]


def test_added_optional_column_evolves_in_place(lake: Lake, zones_copy: Path) -> None:
    lake.drop("finance", "expenses", [expense(1)])
    lake.run()
    edit_contract(zones_copy, lambda d: props(d).append(
        {"name": "project_code", "logicalType": "string", "physicalType": "string"}))
    lake.reload()
    row = {**expense(2), "project_code": "P-7"}
    lake.drop("finance", "expenses", [row], name="with_project.csv")  # header gains the new column
    assert lake.run().ok
    rows = lake.q("finance", "SELECT expense_id, project_code FROM finance_ods.expenses ORDER BY 1")
    assert rows == [{"expense_id": 1, "project_code": None}, {"expense_id": 2, "project_code": "P-7"}]


def test_widening_is_allowed(lake: Lake, zones_copy: Path) -> None:
    lake.drop("finance", "expenses", [expense(1, amount="12.34")])
    lake.run()
    edit_contract(zones_copy, lambda d: props(d)[4].update(physicalType="decimal(18,2)"))
    lake.reload()
    assert lake.run().ok
    rel = lake.q("finance", "SELECT amount FROM finance_ods.expenses")
    assert str(rel[0]["amount"]) == "12.34"


def test_removed_column_is_refused_naming_it_then_rebuilt_on_major_version(
        lake: Lake, zones_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake.drop("finance", "expenses", [expense(1), expense(2)])
    lake.run()
    edit_contract(zones_copy, lambda d: d["schema"][0].update(
        properties=[p for p in props(d) if p["name"] != "description"]))
    lake.reload()
    # Caught in the pull request already: validate compares with the tables built.
    assert main(["validate", "--home", str(lake.ctx.home.root), "--config", str(zones_copy)]) == 2
    assert "expenses.yaml: schema: column 'description' was removed or renamed in finance_ods.expenses" \
        in capsys.readouterr().err
    report = lake.run()
    assert not report.ok
    refused = report.promotions[-1]
    assert refused.status == "refused" and "column 'description' was removed or renamed" in refused.error
    assert "major version" in refused.error

    edit_contract(zones_copy, lambda d: d.update(version="2.0.0"))
    lake.reload()
    report = lake.run()
    assert report.ok and report.promotions[-1].status == "rebuilt"
    assert main(["validate", "--home", str(lake.ctx.home.root), "--config", str(zones_copy)]) == 0
    rows = lake.q("finance", "SELECT * FROM finance_ods.expenses ORDER BY expense_id")
    assert [r["expense_id"] for r in rows] == [1, 2] and "description" not in rows[0]
