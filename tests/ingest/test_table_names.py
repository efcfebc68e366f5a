"""A dataset, projection or zone name that cannot be a table name fails `lake validate`, which
reads $LAKE_CONFIG like every other command."""

from __future__ import annotations

import shutil

import pytest

from lake.cli import main
from lake.config.names import name_problem
from tests.ingest.conftest import FIXTURES


@pytest.mark.parametrize("name, why", [
    ("select", "reserved word"), ("Sales", "lower-case letters"), ("2024_sales", "starting with a letter"),
    ("sales-eu", "lower-case letters"), ("s" * 129, "at most 128"), ("café", "lower-case letters"),
])
def test_names_a_table_cannot_have(name, why):
    assert why in (name_problem(name, "dataset") or "")


def test_good_names_pass():
    assert name_problem("expenses_2024", "dataset") is None and name_problem("finance", "zone", 32) is None


def test_lake_validate_reads_lake_config_and_names_file_and_field(tmp_path, monkeypatch, capsys):
    root = tmp_path / "config" / "insight_zones"
    shutil.copytree(FIXTURES / "insight_zones", root)
    monkeypatch.setenv("LAKE_CONFIG", str(root))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # no insight_zones here: only $LAKE_CONFIG can be read
    assert main(["validate", "--home", str(tmp_path / "home")]) == 0
    assert "ok: 1 zones" in capsys.readouterr().out
    strict = root / "lab" / "datasets" / "strict.yaml"
    text = strict.read_text().replace("lab.strict", "lab.select").replace("name: strict", "name: select")
    (root / "lab" / "datasets" / "select.yaml").write_text(text)
    strict.unlink()
    assert main(["validate", "--home", str(tmp_path / "home")]) == 2
    err = capsys.readouterr().err
    assert "lab/datasets/select.yaml: name: dataset name 'select' is a reserved word in Athena SQL" in err
