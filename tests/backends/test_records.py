"""Platform records keep one contract on SQLite (local) and DynamoDB (AWS, under moto): the same
rows, values and order come back, whichever backend wrote them."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from lake.backends.dynamodb_records import DynamoDbRecords
from lake.backends.records import SCHEMAS, PlatformRecords, Records

ZONES = ("finance", "sales")


def records_table(name: str = "records") -> str:
    """The table as infra/constructs/records_table.py defines it."""
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return name



@pytest.fixture(params=["sqlite", "dynamodb"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> PlatformRecords:
    if request.param == "sqlite":
        return Records(tmp_path / "records.sqlite")
    request.getfixturevalue("aws")
    return DynamoDbRecords(records_table(), zones=ZONES)


def quality(run: str, zone: str | None = "finance", passed: bool = True, **extra: object) -> dict:
    return {"run_id": run, "zone": zone, "table_name": f"{zone}_ods.expenses", "rule": "amount >= 0",
            "passed": passed, "failing_rows": 0 if passed else 3, "measured": 0.25, "ingest_ids": ["i1", "i2"],
            **extra}


def test_rows_come_back_with_every_column_in_insertion_order(records: PlatformRecords) -> None:
    for i in range(5):
        records.add("quality_results", **quality(f"run-{i}", passed=i % 2 == 0))
    rows = records.rows("quality_results", "finance")
    assert [r["run_id"] for r in rows] == [f"run-{i}" for i in range(5)]
    assert list(rows[0]) == list(SCHEMAS["quality_results"])
    assert [r["passed"] for r in rows] == [True, False, True, False, True]  # booleans, not 0/1
    assert rows[0]["ingest_ids"] == '["i1", "i2"]'  # JSON text, as callers json.loads it
    assert (rows[0]["failing_rows"], rows[0]["measured"]) == (0, 0.25)
    assert rows[0]["column_name"] is None and rows[0]["detail"] is None  # not given: None


def test_rows_without_a_zone_are_every_zones_rows_in_insertion_order(records: PlatformRecords) -> None:
    for run, zone in (("r1", "finance"), ("r2", "sales"), ("r3", None), ("r4", "finance"), ("r5", "sales")):
        records.add("runs", run_id=run, task="to_ods", zone=zone, inputs=[], status="succeeded", rows_in=7)
    assert [r["run_id"] for r in records.rows("runs")] == ["r1", "r2", "r3", "r4", "r5"]
    assert [r["run_id"] for r in records.rows("runs", "sales")] == ["r2", "r5"]
    assert records.rows("runs", "finance")[0]["rows_in"] == 7 and records.rows("runs")[2]["zone"] is None
    assert records.rows("open_alerts") == [] and records.rows("runs", "marketing") == []


def test_tables_do_not_mix(records: PlatformRecords) -> None:
    records.add("approvals", ingest_id="i1", zone="finance", dataset="cost_centers", decision="approved")
    records.add("approval_requests", ingest_id="i1", zone="finance", dataset="cost_centers", task_token="t")
    assert [r["decision"] for r in records.rows("approvals", "finance")] == ["approved"]
    assert [r["task_token"] for r in records.rows("approval_requests")] == ["t"]


def test_unknown_columns_are_refused(records: PlatformRecords) -> None:
    with pytest.raises(KeyError, match="no columns"):
        records.add("runs", run_id="r1", colour="blue")
    with pytest.raises(KeyError, match="no columns"):
        records.delete("runs", colour="blue")


def test_delete_matches_every_given_column_across_zones(records: PlatformRecords) -> None:
    for table, cause, zone in (("finance_ods.a", "stale", "finance"), ("finance_ods.a", "halted", "finance"),
                               ("sales_ods.b", "stale", "sales")):
        records.add("open_alerts", table_name=table, cause=cause, zone=zone, zones=[zone])
    assert records.delete("open_alerts", table_name="finance_ods.a", cause="stale") == 1
    assert records.delete("open_alerts", table_name="finance_ods.a", cause="stale") == 0
    assert [(r["table_name"], r["cause"]) for r in records.rows("open_alerts")] == [
        ("finance_ods.a", "halted"), ("sales_ods.b", "stale")]
    assert records.delete("open_alerts", zone="sales") == 1
    assert records.delete("open_alerts", run_id=None) == 0  # SQL: NULL equals nothing
    assert records.delete("open_alerts") == 1 and records.rows("open_alerts") == []


def test_the_route_and_recover_cycle_opens_one_alert_per_table_and_cause(records: PlatformRecords) -> None:
    """What lake.backends.alerts does with the records: de-duplicate, then close on recovery."""
    def open_once(table: str, cause: str) -> bool:
        if any(r["cause"] == cause for r in records.rows("open_alerts") if r["table_name"] == table):
            return False
        records.add("open_alerts", table_name=table, cause=cause, zone="finance", zones=["finance", "sales"])
        return True

    assert open_once("finance_ods.expenses", "halted") and not open_once("finance_ods.expenses", "halted")
    assert open_once("finance_ods.expenses", "refused")
    [row] = [r for r in records.rows("open_alerts") if r["cause"] == "halted"]
    assert row["zones"] == '["finance", "sales"]'
    assert records.delete("open_alerts", table_name="finance_ods.expenses", cause="halted") == 1
    assert open_once("finance_ods.expenses", "halted")


def test_dynamodb_items_are_keyed_by_table_and_zone(aws: None) -> None:
    records = DynamoDbRecords(records_table(), zones=ZONES)
    records.add("runs", run_id="r1", zone="finance", rows_in=3, error=None)
    records.add("runs", run_id="r2", zone=None, rows_in=float("nan"))
    items = boto3.resource("dynamodb").Table("records").scan()["Items"]
    assert sorted(i["pk"] for i in items) == ["runs#-", "runs#finance"]
    assert all("error" not in i for i in items)  # None is not stored
    assert records.rows("runs")[1]["rows_in"] is None  # NaN cannot be stored: read as None (SQLite: NULL)
    # a zone outside the configured ones is still one Query away
    records.add("runs", run_id="r3", zone="marketing")
    assert [r["run_id"] for r in records.rows("runs", "marketing")] == ["r3"]
    assert "r3" not in {r["run_id"] for r in records.rows("runs")}


def test_redact_rewrites_every_text_mentioning_the_value_and_nothing_else(records: PlatformRecords) -> None:
    records.add("runs", run_id="r1", zone="finance", task="to_ods", status="failed",
                error="row 3: jane@example.com is not a valid amount")
    records.add("runs", run_id="r2", zone="sales", task="to_ods", status="ok", rows_in=4)
    changed = records.redact(lambda text: text.replace("jane@example.com", "[erased]"))
    assert changed == {"runs": 1}
    rows = {r["run_id"]: r for r in records.rows("runs")}
    assert rows["r1"]["error"] == "row 3: [erased] is not a valid amount"
    assert rows["r2"]["rows_in"] == 4 and rows["r2"]["status"] == "ok"
    assert records.redact(lambda text: text.replace("jane@example.com", "[erased]")) == {}
