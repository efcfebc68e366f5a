"""A session started on one thread plans with the lake's settings on another (``lake demo`` starts Spark
on a thread while it drops files, then promotes on the main thread)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lake.spark import catalog_name, local_session
from lake.tasks.projections.sessions import session_copy

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


def test_a_session_copy_keeps_its_settings_to_itself(spark, tmp_path: Path) -> None:  # noqa: ANN001
    """Projections build two at a time, each on a copy: one build's ANSI mode is not the other's, and
    what a copy commits the original's catalog reads (after refreshTable, as rebuild() does)."""
    base = local_session(tmp_path / "warehouse")
    ansi = base.conf.get("spark.sql.ansi.enabled")
    with ThreadPoolExecutor(1) as pool:
        def on_copy() -> tuple[str, str]:
            own = session_copy(base)
            own.conf.set("spark.sql.ansi.enabled", str(ansi != "true").lower())
            own.sql("CREATE NAMESPACE IF NOT EXISTS t")
            own.range(3).writeTo("t.numbers").using("iceberg").createOrReplace()
            conf = own._jvm.org.apache.spark.sql.internal.SQLConf.get()  # what this thread's statements plan with
            return own.catalog.currentCatalog(), conf.getConfString("spark.sql.ansi.enabled")
        catalog, thread_ansi = pool.submit(on_copy).result()
    assert catalog == base.catalog.currentCatalog() and thread_ansi != ansi
    assert base.conf.get("spark.sql.ansi.enabled") == ansi
    assert base.table("t.numbers").count() == 3
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: session_copy(base).range(5).writeTo("t.numbers").using("iceberg").replace()).result()
    base.catalog.refreshTable("t.numbers")
    assert base.table("t.numbers").count() == 5
