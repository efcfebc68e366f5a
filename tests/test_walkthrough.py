"""README's "Your first dataset", run exactly as written on a copy of the repository: infer -> validate ->
drop -> run -> query -> status, each command a subprocess of the ``lake`` console script, as a user runs it.
The query's answer is computed here, independently, from the example file."""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.spark, pytest.mark.slow]
EXAMPLE = REPO / "examples" / "first_dataset" / "invoices.csv"


def readme_commands() -> list[str]:
    section = REPO.joinpath("README.md").read_text().split("## Your first dataset", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README's first-dataset section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def expected_totals() -> list[tuple[str, int, Decimal]]:
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    with EXAMPLE.open(newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            totals[row["currency"]][0] += 1
            totals[row["currency"]][1] += Decimal(row["amount"])
    return [(c, n, t) for c, (n, t) in sorted(totals.items())]


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "insight-lake"
    skip = shutil.ignore_patterns(".lake", "__pycache__", "*.pyc")
    for part in ("lake", "insight_zones", "examples"):
        shutil.copytree(REPO / part, dst / part, ignore=skip)
    for f in ("README.md", "pyproject.toml"):
        shutil.copy(REPO / f, dst / f)
    return dst


def test_first_dataset_walkthrough_as_written(repo_copy: Path) -> None:
    commands = readme_commands()
    assert [shlex.split(c)[:2] for c in commands] == [["lake", "infer"], ["lake", "validate"], ["lake", "drop"],
                                                      ["lake", "run"], ["lake", "query"], ["lake", "status"]]
    env = {k: v for k, v in os.environ.items() if k not in ("LAKE_HOME", "LAKE_CONFIG", "LAKE_BACKEND")}
    # the `lake` console script of this environment, importing the copy's code (as an installed checkout would)
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(repo_copy),
               SPARK_LOCAL_IP="127.0.0.1")
    out = {}
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=repo_copy, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        out[shlex.split(command)[1]] = done
    contract = repo_copy / "insight_zones" / "finance" / "datasets" / "invoices.yaml"
    assert contract.is_file() and "review: primary key invoice_id" in out["infer"].stderr
    assert "8 staged, 0 quarantined of 8 rows" in out["drop"].stdout
    rows = [line.split("|") for line in out["query"].stdout.splitlines()[2:] if "|" in line]
    got = [(c.strip(), int(n), Decimal(t.strip())) for c, n, t in rows]
    assert got == expected_totals()
    invoices = next(line for line in out["status"].stdout.splitlines() if line.startswith("finance_ods.invoices"))
    assert "fresh" in invoices and "rows=8 " in invoices
    assert not (REPO / "insight_zones" / "finance" / "datasets" / "invoices.yaml").exists()  # the copy only
