"""The README's cost model is the script's output for the synthesized templates (not typed by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aws_cdk import Stage

from benchmarks.cost import model
from infra.composer import Lake
from infra.settings import ROOT

BLOCK = re.compile(r"<!-- cost-model:begin -->\n(.*?)<!-- cost-model:end -->", re.S)


def readme_block() -> str:
    found = BLOCK.search((ROOT / "README.md").read_text())
    assert found, "README.md lost its cost-model markers"
    return found.group(1).strip()


def test_readme_cost_table_is_the_scripts_output(lake: Lake) -> None:
    out = model.render(Path(Stage.of(lake.storage).outdir))  # type: ignore[union-attr]
    assert readme_block() == out.strip(), "regenerate: python -m benchmarks.cost.model"


def test_the_model_reads_the_templates_settings(lake: Lake) -> None:
    s = model.read_settings(Path(Stage.of(lake.storage).outdir), "finance")  # type: ignore[union-attr]
    assert (s.memory_mb, s.batch_size, s.glue_dpus, s.datasets, s.projections, s.bucket_keys) == (
        {"receiver": 1024, "validator": 1024}, 10, 2, len(lake.cfg.zones["finance"].datasets), True, True)
    assert s.scan_cutoff_bytes == lake.settings.athena_bytes_scanned_cutoff


def test_costs_grow_with_files_and_glue_runs_are_coalesced() -> None:
    s = model.Settings({"receiver": 1024, "validator": 2048}, 10, 2, 4, False, True, 10 * 2**30)
    prices = model.yaml.safe_load((model.HERE / "prices.yaml").read_text())
    low, high = model.month(1_000, s, prices), model.month(100_000, s, prices)
    assert high["Lambda"] == pytest.approx(100 * low["Lambda"])
    assert high["S3 storage"] == pytest.approx(100 * low["S3 storage"])
    # 100,000 files a day in 4 datasets do not make 100,000 runs: at most one run per dataset at a time.
    assert model.glue_runs_per_day(100_000, 4) == 4 * 24 * 60 / model.GLUE_RUN_MINUTES
    assert model.glue_runs_per_day(40, 4) == 40  # a trickle: one run per file
    # With bucket keys off, S3 asks KMS on every encrypted object call.
    no_keys = model.Settings(s.memory_mb, 10, 2, 4, False, False, s.scan_cutoff_bytes)
    assert model.month(1_000, no_keys, prices)["KMS"] == pytest.approx(100 * low["KMS"])
