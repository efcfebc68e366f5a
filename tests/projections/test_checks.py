"""Projection tests (``projections/<name>.yaml``) run on the new result before it becomes current:
every kind catches what it should, and a failure keeps the previous snapshot current and alerts."""

from __future__ import annotations

import json

import pytest

from lake.tasks.projections.build import audit_table
from lake.tasks.projections.checks import run_tests
from lake.tasks.projections.state import current_snapshot
from tests.projections.conftest import ORDERS, Shop

pytestmark = pytest.mark.spark

EVERY_KIND = """tests:
  - unique: item
  - not_null: [item, qty]
  - accepted_values: {column: item, values: [apple, pear]}
  - relationships: {column: item, to: shop_ods.items, field: item}
  - row_count: {min: 1, max: 10}
  - sql: {name: positive_qty, query: "SELECT * FROM shop_analytics.item_totals WHERE qty <= 0"}
"""


def test_a_result_passing_every_kind_is_published_and_its_results_recorded(shop: Shop) -> None:
    shop.write("item_totals.yaml", EVERY_KIND)
    built = shop.project()["item_totals"]
    assert built.status == "built", built.error
    assert [(r.test, r.passed) for r in built.tests] == [
        ("unique(item)", True), ("not_null(item)", True), ("not_null(qty)", True), ("accepted_values(item)", True),
        ("relationships(item -> shop_ods.items.item)", True), ("row_count(1..10)", True), ("sql(positive_qty)", True)]
    recorded = {r["rule"]: r["passed"] for r in shop.ctx.records.rows("quality_results", "shop")}
    assert recorded == {r.test: True for r in built.tests}
    assert not shop.spark.catalog.tableExists(audit_table(shop.ctx.cfg.zones["shop"].projections["item_totals"]))  # type: ignore[attr-defined]


# Each kind against a table holding one failing case: (test declaration, test name, failing rows, an example).
CASES = [
    ("unique: order_id", "unique(order_id)", 1, {"order_id": "1", "duplicates": "2"}),
    ("unique: [order_id, item]", "unique(order_id, item)", 1, {"order_id": "1", "item": "apple", "duplicates": "2"}),
    ("not_null: item", "not_null(item)", 1, {"order_id": "3", "item": None, "qty": "-1"}),
    ("accepted_values: {column: item, values: [apple]}", "accepted_values(item)", 1, {"value": "kiwi", "n": "1"}),
    ("relationships: {column: item, to: shop_ods.items, field: item}", "relationships(item -> shop_ods.items.item)",
     1, {"value": "kiwi", "n": "1"}),
    ("row_count: {max: 3}", "row_count(..3)", 1, {"row_count": "4"}),
    ("row_count: {min: 5}", "row_count(5..)", 1, {"row_count": "4"}),
    ('sql: {name: no_negative, query: "SELECT order_id, qty FROM shop_analytics.order_lines WHERE qty < 0"}',
     "sql(no_negative)", 1, {"order_id": "3", "qty": "-1"}),
]
LINES = "SELECT order_id, item, qty FROM shop_ods.orders\n"
BAD_ORDERS = [(1, "apple", 2), (1, "apple", 1), (3, None, -1), (4, "kiwi", 1)]


def test_each_kind_reports_its_failing_rows(shop: Shop) -> None:
    shop.write("order_lines.sql", LINES)
    shop.write("order_lines.yaml", "tests:\n" + "".join(f"  - {declared}\n" for declared, *_ in CASES))
    shop.ods("orders", BAD_ORDERS, ORDERS)
    p = shop.ctx.cfg.zones["shop"].projections["order_lines"]
    shop.spark.sql("CREATE NAMESPACE IF NOT EXISTS shop_analytics")  # type: ignore[attr-defined]
    shop.spark.table("shop_ods.orders").writeTo("shop_analytics.candidate").createOrReplace()  # type: ignore[attr-defined]
    results = run_tests(shop.spark, shop.ctx.cfg, p, "shop_analytics.candidate")  # type: ignore[arg-type]
    assert [r.test for r in results] == [name for _, name, *_ in CASES]
    for result, (_, name, failing, example) in zip(results, CASES, strict=True):
        assert (result.passed, result.failing_rows, result.error) == (False, failing, None), name
        assert example in result.examples, (name, result.examples)


FAILING = """tests:
  - unique: order_id
  - not_null: item
  - sql: {name: no_negative, query: "SELECT order_id, qty FROM shop_analytics.order_lines WHERE qty < 0"}
"""


def test_a_failing_result_keeps_the_previous_snapshot_current_and_alerts_the_owners(shop: Shop) -> None:
    shop.write("order_lines.sql", LINES)
    shop.write("order_lines.yaml", FAILING)
    assert shop.project()["order_lines"].status == "built"
    good = current_snapshot(shop.spark, "shop_analytics.order_lines")  # type: ignore[arg-type]
    shop.ods("orders", BAD_ORDERS, ORDERS)

    builds = shop.project()
    failed = builds["order_lines"]
    assert failed.status == "failed"
    assert [r.test for r in failed.tests if not r.passed] == ["unique(order_id)", "not_null(item)", "sql(no_negative)"]
    assert current_snapshot(shop.spark, "shop_analytics.order_lines") == good  # type: ignore[arg-type]
    assert sorted(shop.rows("SELECT order_id, item, qty FROM shop_analytics.order_lines")) == [
        (1, "apple", 2), (2, "apple", 1), (3, "pear", 1)]
    assert not shop.spark.catalog.tableExists("shop_analytics._audit_order_lines")  # type: ignore[attr-defined]

    run = next(r for r in shop.ctx.records.rows("runs") if r["table_name"] == "shop_analytics.order_lines"
               and r["status"] == "failed")
    assert "unique(order_id): 1 failing row(s), e.g. order_id=1, duplicates=2" in run["error"]
    assert "not_null(item)" in run["error"] and "sql(no_negative)" in run["error"]
    [alert] = [a for a in shop.ctx.alerts.read() if a.context.get("table") == "shop_analytics.order_lines"]  # type: ignore[attr-defined]
    assert alert.zone == "shop" and alert.recipients == ["sam@example.com"]
    assert "previous version stays current" in alert.detail
    assert [t["test"] for t in alert.context["failed_tests"]] == ["unique(order_id)", "not_null(item)",
                                                                  "sql(no_negative)"]
    assert {"order_id": "3", "qty": "-1"} in alert.context["failed_tests"][2]["examples"]
    # unchanged inputs, but the last build failed: tried again (and fails again) on the next run
    assert shop.project()["order_lines"].status == "failed"

    shop.ods("orders", [(1, "apple", 3)], ORDERS)  # fixed at the source
    assert shop.project()["order_lines"].status == "built"
    assert shop.rows("SELECT order_id, qty FROM shop_analytics.order_lines") == [(1, 3)]
    recovered = [a for a in shop.ctx.alerts.read() if a.context.get("recovery")]  # type: ignore[attr-defined]
    assert [json.dumps(a.context["table"]) for a in recovered] == ['"shop_analytics.order_lines"']
