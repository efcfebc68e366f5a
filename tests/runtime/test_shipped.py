"""Glue runs the code from a zip: the zone config is found inside it."""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from lake.config import load_config
from lake.runtime import shipped
from tests.conftest import ZONES


def test_config_is_extracted_from_the_code_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "lake_code.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for f in ZONES.rglob("*"):
            if f.is_file():
                z.write(f, f"insight_zones/{f.relative_to(ZONES)}")
    monkeypatch.setattr(shipped, "REPO_CONFIG", tmp_path / "absent")
    monkeypatch.setattr(sys, "path", [str(bundle), *sys.path])
    root = shipped.config_root()
    assert set(load_config(root).zones) == {"finance", "customer_success", "executive"}
    shutil.rmtree(root.parent)


def test_glue_arguments_fall_back_to_argparse(monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_jobs.args import resolve

    monkeypatch.setattr(sys, "argv", ["job.py", "--zone", "finance", "--run_id", "r1", "--JOB_ID", "x"])
    assert resolve(["zone", "run_id"], optional=("changed",)) == {"zone": "finance", "run_id": "r1", "changed": None}
