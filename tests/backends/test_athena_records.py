"""Platform records Athena can query (moto): every history row is also one JSON object under
``_platform/<table>/zone=<zone>/`` of the staging bucket, which the Glue tables ``platform.*`` read."""

from __future__ import annotations

import json

import boto3
import pytest

from lake.backends.athena_records import AthenaRecords, columns
from lake.backends.dynamodb_records import DynamoDbRecords
from lake.backends.storage import S3Storage
from lake.runtime import context as runtime
from lake.runtime import runlog
from tests.backends.test_records import ZONES, records_table

BUCKET = "staging-bucket"


def objects(prefix: str) -> dict[str, list[dict]]:
    s3 = boto3.client("s3")
    out = {}
    for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().decode()
        out[o["Key"]] = [json.loads(line) for line in body.splitlines()]
    return out


@pytest.fixture
def mirrored(aws: None) -> AthenaRecords:
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return AthenaRecords(DynamoDbRecords(records_table(), zones=ZONES), S3Storage(), BUCKET)


def test_history_rows_land_as_json_objects_partitioned_by_zone(mirrored: AthenaRecords) -> None:
    mirrored.add("runs", run_id="r1", task="to_ods", zone="finance", inputs=["s3://s/a.parquet"], rows_in=3,
                 status="succeeded", started_at="2026-12-01T00:00:00Z")
    mirrored.add("runs", run_id="r2", task="sweep", zone=None, status="succeeded")
    mirrored.add("quality_results", run_id="r1", zone="finance", rule="amount >= 0", passed=False, failing_rows=2,
                 measured=0.5)
    mirrored.add("open_alerts", table_name="finance_ods.expenses", cause="halted", zone="finance", zones=["finance"])
    [finance_run] = objects("_platform/runs/zone=finance/").values()
    assert finance_run == [{**dict.fromkeys(c for c, _ in columns("runs")), "run_id": "r1", "task": "to_ods",
                            "inputs": '["s3://s/a.parquet"]', "rows_in": 3, "status": "succeeded",
                            "started_at": "2026-12-01T00:00:00Z"}]  # zone is the partition, not a column
    assert len(objects("_platform/runs/zone=_none/")) == 1  # no zone: no zone's readers see it
    [[check]] = objects("_platform/quality_results/zone=finance/").values()
    assert (check["passed"], check["failing_rows"], check["measured"]) == (False, 2, 0.5)
    assert objects("_platform/open_alerts/") == {}  # working state stays in DynamoDB
    assert [r["run_id"] for r in mirrored.rows("runs")] == ["r1", "r2"]  # reads come from DynamoDB


def test_redaction_reaches_the_objects_athena_reads(mirrored: AthenaRecords) -> None:
    mirrored.add("runs", run_id="r1", task="validator", zone="finance", error="bad e-mail dana.lee@example.com")
    mirrored.redact(lambda text: text.replace("dana.lee@example.com", "[erased]"))
    [[row]] = objects("_platform/runs/").values()
    assert row["error"] == "bad e-mail [erased]"
    assert mirrored.rows("runs")[0]["error"] == "bad e-mail [erased]"
    with pytest.raises(ValueError, match="history"):
        mirrored.delete("runs", run_id="r1")


def test_on_aws_a_task_run_is_queryable_where_athena_reads(aws: None, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path) -> None:  # noqa: ANN001
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for k, v in {"LAKE_BACKEND": "aws", "LEDGER_TABLE": "ledger", "RECORDS_TABLE": records_table(),
                 "STAGING_BUCKET": BUCKET, "LAKE_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(k, v)
    runtime._from_env.cache_clear()
    try:
        ctx = runtime.context_from_env()
        with runlog.task_run(ctx, "projection", zone="finance", table_name="finance_analytics.expense_summary"):
            pass
    finally:
        runtime._from_env.cache_clear()
    [[row]] = objects("_platform/runs/zone=finance/").values()
    assert (row["task"], row["table_name"], row["status"]) == ("projection", "finance_analytics.expense_summary",
                                                               "succeeded")
