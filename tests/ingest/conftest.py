"""Ingestion fixtures: a fresh local lake per test, the file fixtures, small helpers."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lake.backends.ledger import IngestRecord
from lake.config import LakeConfig, load_config
from lake.runtime import context as context_module
from lake.runtime.context import Context

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
HEADER = ("expense_id,employee_email,cost_center_id,category,amount,currency,expense_date,"
          "submitted_at,approved,description")


@functools.cache
def _config(root: str) -> LakeConfig:
    return load_config(root)


@pytest.fixture(autouse=True)
def config_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse and validate each insight_zones tree once per session, not once per test (it is immutable)."""
    monkeypatch.setattr(context_module, "load_config", lambda root: _config(str(root)))


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    return Context.local(tmp_path / "home")


@pytest.fixture
def test_ctx(tmp_path: Path) -> Context:
    """The fixture zones under tests/fixtures/ingest/insight_zones (odd contracts: latin-1, tsv, ...)."""
    return Context.local(tmp_path / "home", FIXTURES / "insight_zones")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / "drops" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def expenses(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD_ROW = "{id},a@example.com,CC-1,travel,10.00,USD,03/01/2024,2024-03-01T09:30:00Z,yes,ok"


def good_rows(n: int, start: int = 1) -> list[str]:
    return [GOOD_ROW.format(id=i) for i in range(start, start + n)]


def staged(ctx: Context, rec: IngestRecord):
    assert rec.staged_key, rec
    return pq.ParquetFile(ctx.home.staging / rec.staged_key).read()  # the file alone, no hive partition column


def report(ctx: Context, rec: IngestRecord) -> dict:
    base = rec.quarantine_key or ""
    base = base.removesuffix(".rejected.csv")
    return json.loads((ctx.home.landing / (base + ".report.json")).read_text())
