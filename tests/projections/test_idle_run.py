"""An idle ``lake run`` (nothing pending, every projection unchanged) decides so from the ledger and the
tables' metadata files and starts no Spark; it reports and records what a run through Spark would."""

from __future__ import annotations

import json

import pytest

from lake.local import idle
from lake.local.run import run
from lake.tasks.to_ods import tables
from tests.projections.conftest import ORDERS, Shop

pytestmark = pytest.mark.spark


@pytest.fixture
def no_new_session(monkeypatch: pytest.MonkeyPatch, shop: Shop) -> list[str]:
    """``lake.spark.local_session`` counted: what run() starts when it needs Spark (the shared one)."""
    started: list[str] = []

    def session(warehouse, app_name="insight-lake"):  # noqa: ANN001, ANN202
        started.append(str(warehouse))
        return shop.spark

    monkeypatch.setattr("lake.spark.local_session", session)
    return started


def test_an_idle_run_starts_no_spark_and_reports_what_spark_would(shop: Shop, no_new_session: list[str]) -> None:
    first = run(shop.ctx)
    assert no_new_session and {b.status for b in first.builds} == {"built"}
    no_new_session.clear()
    through_spark = shop.project()  # what the Spark path decides with nothing new
    again = run(shop.ctx)
    assert no_new_session == []
    assert [(b.table, b.status, b.error) for b in again.builds] == \
        [(b.table, b.status, b.error) for b in through_spark.values()]
    assert again.ok and all(b.status == "unchanged" for b in again.builds)
    assert sorted((p.table, p.ingests) for p in again.promotions) == [("shop_ods.items", []), ("shop_ods.orders", [])]
    skipped = [r for r in shop.ctx.records.rows("runs") if r["parent_run_id"] == again.run_id]
    assert sorted((r["task"], r["table_name"], r["status"]) for r in skipped) == [
        ("to_ods", "shop_ods.items", "skipped"), ("to_ods", "shop_ods.orders", "skipped")]
    whole = [r for r in shop.ctx.records.rows("runs") if r["run_id"] == again.run_id]
    assert [(r["task"], r["status"]) for r in whole] == [("promotion", "succeeded")]


def test_work_found_in_the_metadata_goes_through_spark(shop: Shop, no_new_session: list[str]) -> None:
    run(shop.ctx)
    shop.ods("orders", [(1, "apple", 5)], ORDERS)  # a new snapshot of an input
    no_new_session.clear()
    report = run(shop.ctx)
    assert no_new_session and [b.status for b in report.builds] == ["built", "built"]
    no_new_session.clear()
    assert run(shop.ctx, rebuild={"shop_analytics.top_items"}).builds[-1].status == "built"
    assert no_new_session  # --rebuild always builds
    no_new_session.clear()
    shop.write("top_items.sql", "SELECT item, qty FROM shop_analytics.item_totals WHERE qty > 2\n")
    assert [b.status for b in run(shop.ctx).builds] == ["unchanged", "built"] and no_new_session
    no_new_session.clear()
    shop.spark.sql("ALTER TABLE shop_ods.items ADD COLUMN colour string")  # type: ignore[attr-defined]
    run(shop.ctx)  # a column the contract does not have: promotion must look (and refuse it)
    assert no_new_session


def test_the_metadata_reads_as_sparks_catalog_does(shop: Shop) -> None:
    shop.spark.sql("CREATE TABLE shop_ods.types (a int, b bigint, c double, d decimal(12, 3), e timestamp, "  # type: ignore[attr-defined]
                   "f timestamp_ntz, g date, h boolean, i string, j binary, k float) USING iceberg")
    md = idle.metadata(shop.ctx.home.warehouse, "shop_ods.types")
    assert md is not None and idle.snapshot_id(md) == 0  # no snapshot yet: EMPTY, as state.current_snapshot
    assert idle.spark_columns(md) == tables.columns(shop.spark, "shop_ods.types")  # type: ignore[arg-type]
    shop.spark.sql("CREATE TABLE shop_ods.nested (a struct<x: int>) USING iceberg")  # type: ignore[attr-defined]
    assert idle.spark_columns(idle.metadata(shop.ctx.home.warehouse, "shop_ods.nested") or {}) is None

    # A writer that committed v(N+1) but died before updating the hint: Iceberg reads v(N+1), so do we.
    meta = shop.ctx.home.warehouse / "shop_ods" / "orders" / "metadata"
    hint = int((meta / "version-hint.text").read_text())
    newer = json.loads((meta / f"v{hint}.metadata.json").read_text()) | {"current-snapshot-id": 42}
    (meta / f"v{hint + 1}.metadata.json").write_text(json.dumps(newer))
    assert idle.snapshot_id(idle.metadata(shop.ctx.home.warehouse, "shop_ods.orders") or {}) == 42
    assert idle.metadata(shop.ctx.home.warehouse, "shop_ods.absent") is None
