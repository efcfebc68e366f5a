"""``lake run`` builds a projection again only when its definition or an input's snapshot changed,
or when asked to (``--rebuild``); what it builds, its dependants follow, in dependency order."""

from __future__ import annotations

import pytest

from lake.local.run import rebuild_targets
from lake.tasks.projections.state import current_snapshot, fingerprint
from tests.projections.conftest import ORDERS, TOP, TOTALS, Shop

pytestmark = pytest.mark.spark


def test_unchanged_projections_are_skipped_with_the_reason(shop: Shop) -> None:
    first = shop.project()
    assert {t: b.status for t, b in first.items()} == {"item_totals": "built", "top_items": "built"}
    before = current_snapshot(shop.spark, "shop_analytics.item_totals")  # type: ignore[arg-type]
    again = shop.project()
    assert {t: b.status for t, b in again.items()} == {"item_totals": "unchanged", "top_items": "unchanged"}
    assert "input snapshots as at its last build (run run-1)" in (again["item_totals"].error or "")
    assert current_snapshot(shop.spark, "shop_analytics.item_totals") == before  # type: ignore[arg-type]
    # an unchanged projection is no run: the run log has only the first run's builds
    assert {r["parent_run_id"] for r in shop.ctx.records.rows("runs")} == {"run-1"}
    # a compaction commits a snapshot with the same rows: still unchanged
    catalog = shop.spark.catalog.currentCatalog()  # type: ignore[attr-defined]
    shop.spark.sql(f"CALL {catalog}.system.rewrite_data_files(table => 'shop_ods.orders', "  # type: ignore[attr-defined]
                   "options => map('rewrite-all', 'true'))")
    assert shop.project()["item_totals"].status == "unchanged"


def test_a_changed_input_snapshot_rebuilds_the_projection_then_its_dependants(shop: Shop) -> None:
    shop.project()
    shop.ods("orders", [(1, "apple", 5), (2, "pear", 3)], ORDERS)  # a promotion elsewhere: no `changed` hint
    builds = shop.project()
    assert builds["item_totals"].status == "built" and "input changed: shop_ods.orders" in builds["item_totals"].reason
    assert builds["top_items"].status == "built" and "shop_analytics.item_totals" in builds["top_items"].reason
    assert shop.rows("SELECT item, qty FROM shop_analytics.top_items ORDER BY item") == [("apple", 5), ("pear", 3)]


def test_a_changed_sql_rebuilds_though_no_input_changed_and_comments_do_not_count(shop: Shop) -> None:
    shop.project()
    shop.write("top_items.sql", TOP.replace("qty > 1", "qty >= 1"))
    builds = shop.project()
    assert builds["item_totals"].status == "unchanged"
    assert builds["top_items"].status == "built" and builds["top_items"].reason == "definition changed"
    assert shop.rows("SELECT item FROM shop_analytics.top_items ORDER BY item") == [("apple",), ("pear",)]

    old = fingerprint(shop.ctx.cfg.zones["shop"].projections["item_totals"])
    shop.write("item_totals.sql", "-- totals per item\n" + TOTALS.replace(" FROM", "\n  from").replace("SUM", "sum"))
    assert fingerprint(shop.ctx.cfg.zones["shop"].projections["item_totals"]) == old
    shop.spark.sql("DROP TABLE shop_analytics.top_items")  # type: ignore[attr-defined]
    builds = shop.project()
    assert builds["item_totals"].status == "unchanged"
    assert builds["top_items"].status == "built" and builds["top_items"].reason == "table not built yet"


def test_a_changed_python_projection_is_rebuilt(shop: Shop) -> None:
    source = ('INPUTS = ["shop_ods.items"]\n\n\ndef transform(inputs):\n'
              '    return inputs["shop_ods.items"].select("item", "kind")\n')
    shop.write("item_kinds.py", source)
    assert shop.project()["item_kinds"].status == "built"
    shop.write("item_kinds.py", "# a comment only\n" + source)
    assert shop.project()["item_kinds"].status == "unchanged"
    shop.write("item_kinds.py", source.replace('select("item", "kind")', 'select("item")'))
    built = shop.project()["item_kinds"]
    assert built.status == "built" and built.reason == "definition changed"
    assert shop.spark.table("shop_analytics.item_kinds").columns == ["item", "_promoted_at"]  # type: ignore[attr-defined]
    # A Python projection's columns are known only once it runs: a test naming a missing one fails the build.
    shop.write("item_kinds.yaml", "tests:\n  - not_null: kind\n")
    failed = shop.project()["item_kinds"]
    assert failed.status == "failed" and failed.reason == "definition changed"
    assert "not_null(kind): could not run:" in (failed.error or "") and "`kind`" in (failed.error or "")
    assert shop.spark.table("shop_analytics.item_kinds").columns == ["item", "_promoted_at"]  # type: ignore[attr-defined]


def test_rebuild_forces_one_projection_and_what_depends_on_it(shop: Shop) -> None:
    shop.project()
    force = rebuild_targets(shop.ctx.cfg, "item_totals", None)
    assert force == {"shop_analytics.item_totals"}
    builds = shop.project(force=force)
    assert builds["item_totals"].reason == "rebuild forced"
    assert builds["top_items"].status == "built"  # its input has a new snapshot
    with pytest.raises(ValueError, match="--rebuild nope is not a projection; projections: "
                                         "shop_analytics.item_totals, shop_analytics.top_items"):
        rebuild_targets(shop.ctx.cfg, "nope", None)
    every = rebuild_targets(shop.ctx.cfg, None, None)
    assert {b.status for b in shop.project(force=every).values()} == {"built"}


def test_a_build_reports_the_rows_its_new_table_holds(shop: Shop) -> None:
    # Counted from Iceberg's snapshot summary (no Spark job): a replaced table's count is its new rows only.
    first = shop.project()
    assert (first["item_totals"].rows, first["top_items"].rows) == (2, 1)
    shop.ods("orders", [(1, "apple", 5)], ORDERS)
    again = shop.project()
    assert (again["item_totals"].rows, again["top_items"].rows) == (1, 1)
    assert shop.rows("SELECT count(*) FROM shop_analytics.item_totals") == [(1,)]
    run = [r for r in shop.ctx.records.rows("runs") if r["table_name"] == "shop_analytics.item_totals"]
    assert sorted(r["rows_out"] for r in run) == [1, 2]
