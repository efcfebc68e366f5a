"""Build records keep what a projection was built from, on both platform-records backends: the
next run, locally or on AWS (DynamoDB), decides from them what is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.backends.dynamodb_records import DynamoDbRecords
from lake.backends.records import PlatformRecords, Records
from lake.config import load_config
from lake.tasks.projections.state import BuildRecord, fingerprint, load, save, why_due
from tests.backends.test_records import records_table
from tests.projections.conftest import make_config

BIG = 9_123_456_789_012_345_678 // 1000  # snapshot ids are 64-bit: kept exactly


@pytest.fixture(params=["sqlite", "dynamodb"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> PlatformRecords:
    if request.param == "sqlite":
        return Records(tmp_path / "records.sqlite")
    request.getfixturevalue("aws")
    return DynamoDbRecords(records_table(), zones=["shop"])


def test_one_record_per_projection_round_trips(records: PlatformRecords) -> None:
    save(records, BuildRecord("shop_analytics.item_totals", "f1", {"shop_ods.orders": BIG}, "run-1", BIG + 1))
    save(records, BuildRecord("shop_analytics.item_totals", "f2", {"shop_ods.orders": BIG + 2}, "run-2", BIG + 3))
    save(records, BuildRecord("shop_analytics.top_items", "f3", {"shop_analytics.item_totals": BIG + 3}, "run-2"))
    got = load(records, ["shop"])
    assert sorted(got) == ["shop_analytics.item_totals", "shop_analytics.top_items"]
    last = got["shop_analytics.item_totals"]
    assert (last.fingerprint, last.run_id, int(last.snapshot_id or 0)) == ("f2", "run-2", BIG + 3)
    assert why_due_for(last, "f2", {"shop_ods.orders": BIG + 2}) is None
    assert why_due_for(last, "f2", {"shop_ods.orders": BIG + 4}) == "input changed: shop_ods.orders"
    assert why_due_for(last, "f9", {"shop_ods.orders": BIG + 2}) == "definition changed"
    assert why_due_for(last, "f2", {"shop_ods.orders": None}) == "input without a snapshot id: shop_ods.orders"


def why_due_for(last: BuildRecord, fp: str, inputs: dict) -> str | None:
    return why_due(None, last, fp, inputs)  # type: ignore[arg-type]


def test_the_fingerprint_follows_the_definition_and_its_tests(tmp_path: Path) -> None:
    root = tmp_path / "insight_zones"
    make_config(root)
    projections = root / "shop" / "projections"
    base = fingerprint(load_config(root).zones["shop"].projections["item_totals"])
    (projections / "item_totals.sql").write_text(
        "/* totals */ select ITEM, sum(qty) as qty, count(*) as orders\nfrom shop_ods.orders group by item")
    assert fingerprint(load_config(root).zones["shop"].projections["item_totals"]) == base
    (projections / "item_totals.yaml").write_text("tests:\n  - not_null: item\n")
    tested = fingerprint(load_config(root).zones["shop"].projections["item_totals"])
    assert tested != base
    (projections / "item_totals.sql").write_text(
        "SELECT item, sum(qty) AS qty, count(*) AS orders FROM shop_ods.orders WHERE qty > 0 GROUP BY item")
    assert fingerprint(load_config(root).zones["shop"].projections["item_totals"]) not in (base, tested)
