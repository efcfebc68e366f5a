"""A session started on one thread plans with the lake's settings on another (``lake demo`` starts Spark
on a thread while it drops files, then promotes on the main thread)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lake.spark import catalog_name, local_session

pytestmark = pytest.mark.spark


def _planning_settings(warehouse: Path) -> tuple[str, str]:
    spark = local_session(warehouse)
    conf = spark._jvm.org.apache.spark.sql.internal.SQLConf.get()  # what the analyzer reads on this thread
    return spark.catalog.currentCatalog(), conf.getConfString("spark.sql.session.timeZone")


def test_a_thread_gets_the_lake_catalog_and_settings(spark, tmp_path: Path) -> None:  # noqa: ANN001
    with ThreadPoolExecutor(1) as pool:
        on_thread = pool.submit(_planning_settings, tmp_path / "warehouse").result()
    assert on_thread == (catalog_name(tmp_path / "warehouse"), "UTC")
    assert _planning_settings(tmp_path / "warehouse") == on_thread
