"""A one-zone lake for projection tests: a tiny config, ODS tables written straight to Iceberg (no ingest:
these tests are about what the projections task builds, skips and publishes), the shared SparkSession."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lake.runtime.context import Context
from lake.spark import use_warehouse
from lake.tasks.projections.build import Build
from lake.tasks.projections.task import project

ZONE = """zone: shop
owners: [{name: Sam Owner, email: sam@example.com}]
"""

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: shop.{name}
name: {name}
version: 1.0.0
status: active
domain: shop
schema:
  - name: {name}
    logicalType: object
    physicalType: table
    properties:
{props}
customProperties:
  - property: format
    value: csv
"""

PROP = """      - name: {col}
        logicalType: {logical}
        physicalType: {physical}
        required: {required}
{key}"""

DATASETS = {
    "orders": [("order_id", "integer", "int", True), ("item", "string", "string", False),
               ("qty", "integer", "int", False)],
    "items": [("item", "string", "string", True), ("kind", "string", "string", False)],
}

TOTALS = "SELECT item, SUM(qty) AS qty, COUNT(*) AS orders FROM shop_ods.orders GROUP BY item\n"
TOP = "SELECT item, qty FROM shop_analytics.item_totals WHERE qty > 1\n"


@dataclass
class Shop:
    ctx: Context
    root: Path  # the config folder
    spark: object
    n: int = 0

    def write(self, name: str, text: str) -> None:
        """Edit config (a projection, its tests) and load it again, as the next CLI invocation would."""
        (self.root / "shop" / "projections" / name).write_text(text)
        self.ctx = Context.local(self.ctx.home.root, self.root)

    def ods(self, table: str, rows: list[tuple], schema: str) -> None:
        """Replace an ODS table's content (a new snapshot, as a promotion makes)."""
        self.spark.sql("CREATE NAMESPACE IF NOT EXISTS shop_ods")  # type: ignore[attr-defined]
        df = self.spark.createDataFrame(rows, schema)  # type: ignore[attr-defined]
        df.writeTo(f"shop_ods.{table}").using("iceberg").createOrReplace()

    def project(self, changed: set[str] | None = None, force: set[str] | None = None) -> dict[str, Build]:
        self.n += 1
        builds = project(self.spark, self.ctx, changed or set(), f"run-{self.n}", force=force or ())  # type: ignore[arg-type]
        return {b.table.split(".")[1]: b for b in builds}

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]  # type: ignore[attr-defined]


def make_config(root: Path) -> None:
    (root / "shop" / "datasets").mkdir(parents=True)
    (root / "shop" / "projections").mkdir()
    (root / "shop" / "zone.yaml").write_text(ZONE)
    for name, cols in DATASETS.items():
        props = "".join(PROP.format(col=c, logical=lt, physical=pt, required=str(r).lower(),
                                    key="        primaryKey: true\n        primaryKeyPosition: 1\n" if i == 0 else "")
                        for i, (c, lt, pt, r) in enumerate(cols))
        (root / "shop" / "datasets" / f"{name}.yaml").write_text(CONTRACT.format(name=name, props=props))
    (root / "shop" / "projections" / "item_totals.sql").write_text(TOTALS)
    (root / "shop" / "projections" / "top_items.sql").write_text(TOP)


ORDERS = "order_id int, item string, qty int"
ITEMS = "item string, kind string"


@pytest.fixture
def shop(tmp_path: Path, spark) -> Shop:  # noqa: ANN001
    root = tmp_path / "insight_zones"
    make_config(root)
    ctx = Context.local(tmp_path / "home", root)
    use_warehouse(spark, ctx.home.warehouse)
    s = Shop(ctx, root, spark)
    s.ods("orders", [(1, "apple", 2), (2, "apple", 1), (3, "pear", 1)], ORDERS)
    s.ods("items", [("apple", "fruit"), ("pear", "fruit")], ITEMS)
    return s
