"""Shared fixtures: the repo's zones, a scratch copy of them, one SparkSession per run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ZONES = REPO / "insight_zones"

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@pytest.fixture
def zones_copy(tmp_path: Path) -> Path:
    """A writable copy of insight_zones/ for tests that break it on purpose."""
    dst = tmp_path / "insight_zones"
    shutil.copytree(ZONES, dst)
    return dst


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="session")
def spark(spark_warehouse: Path):  # noqa: ANN201
    """The one local[2] SparkSession of the test run (starting Spark costs 5-8 s)."""
    from lake.spark import local_session

    session = local_session(spark_warehouse)
    yield session
    session.stop()


# moto stands in for AWS only in tests of the AWS adapters: fake credentials, one region.
MOTO_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every AWS call of the test goes to moto's in-memory services."""
    from moto import mock_aws

    for k, v in MOTO_ENV.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        yield
