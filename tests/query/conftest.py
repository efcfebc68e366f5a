"""One small built lake for the query tests: two promotions of finance's expenses (two
Iceberg snapshots, for time travel), a cost center, an account; built once, on the shared
SparkSession, through the same drop + run path as everywhere else."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lake.runtime.context import Context
from tests.conftest import ZONES
from tests.glue_jobs.conftest import Lake, expense


@dataclass
class Built:
    lake: Lake
    first_snapshot_ms: int  # between the two promotions

    @property
    def home(self) -> Path:
        return self.lake.ctx.home.root


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, spark) -> Built:  # noqa: ANN001
    tmp = tmp_path_factory.mktemp("querylake")
    lake = Lake(Context.local(tmp / "home", ZONES), tmp)
    lake.drop("finance", "cost_centers", [{"cost_center_id": "CC-100", "name": "Travel", "department": "Sales",
                                           "owner_email": "boss@example.com"}])
    lake.drop("finance", "expenses", [expense(1, amount="10.00"), expense(2, amount="20.50", category="meals")])
    lake.drop("customer_success", "accounts", [{
        "account_id": "A1", "name": "Acme", "industry": "tools", "employee_count": 10, "region": "EMEA",
        "owner_email": "owner@example.com", "updated_at": "2026-11-01T00:00:00+00:00"}])
    assert lake.run().ok
    time.sleep(0.05)
    between = int(time.time() * 1000)
    time.sleep(0.05)
    lake.drop("finance", "expenses", [expense(1, amount="15.00", submitted="2026-11-02T09:00:00+00:00"),
                                      expense(3, amount="7.25")])
    assert lake.run().ok
    return Built(lake, between)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory, spark):  # noqa: ANN001, ANN201
    """A built lake whose finance zone holds a recognisable secret and PII value (tests/query/hostile.py)."""
    from tests.query.hostile import build

    return build(tmp_path_factory.mktemp("hostile"))
