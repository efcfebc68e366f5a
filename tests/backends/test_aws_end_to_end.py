"""End to end on (moto's) AWS: a file put in the ingress bucket; the receiver and validator
Lambda handlers invoked with the SQS-wrapped EventBridge events the pipeline stack delivers;
typed Parquet staged, the ledger closed, and the staged file a partition of its Glue table.

The tables are created as the stacks define them (ledger: infra/constructs/ledger_table.py;
database: the zone stack); the handlers run with the environment the pipeline stack sets.
"""

from __future__ import annotations

import io

import boto3
import pyarrow.parquet as pq
import pytest

from lake.backends.aws_catalog import GlueCatalog
from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.local.ingest import LambdaContext
from lake.runtime import context as runtime
from lake.runtime.events import object_created, sqs_event
from tests.ingest.conftest import FIXTURES

BUCKETS = {"INGRESS_BUCKET": "lake-ingress", "LANDING_BUCKET": "lake-landing", "STAGING_BUCKET": "lake-staging"}


def ledger_table(name: str) -> None:
    s = {"AttributeType": "S"}
    idx = [{"IndexName": n, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}]}
           for n, h, r in (("by_zone", "zone", "arrived_at"), ("by_source", "source", "version"))]
    boto3.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, **s} for n in ("pk", "zone", "arrived_at", "source", "version")],
        GlobalSecondaryIndexes=idx)


@pytest.fixture
def deployed(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path):  # noqa: ANN001, ANN201
    env = {"LAKE_BACKEND": "aws", "LEDGER_TABLE": "lake-ledger", "LAKE_HOME": str(tmp_path / "tmp"),
           "POWERTOOLS_METRICS_NAMESPACE": "InsightLake",
           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING", **BUCKETS}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("LAKE_CONFIG", raising=False)  # the shipped insight_zones/, as on Lambda
    runtime._from_env.cache_clear()  # the handlers build their context from this environment
    s3 = boto3.client("s3")
    for b in BUCKETS.values():
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    ledger_table("lake-ledger")
    boto3.client("glue").create_database(DatabaseInput={"Name": "finance_staging"})
    yield s3
    runtime._from_env.cache_clear()


def test_a_dropped_file_ends_staged_and_partitioned(deployed) -> None:  # noqa: ANN001
    from lambdas.receiver import handler as receiver
    from lambdas.validator import handler as validator

    s3 = deployed
    key, data = "finance/expenses/expenses_good.csv", (FIXTURES / "expenses_good.csv").read_bytes()
    put = s3.put_object(Bucket=BUCKETS["INGRESS_BUCKET"], Key=key, Body=data)
    event = object_created(BUCKETS["INGRESS_BUCKET"], key, len(data), put["ETag"].strip('"'), put["VersionId"])
    assert receiver.handler(sqs_event(event), LambdaContext("receiver")) == {"batchItemFailures": []}

    ledger = DynamoDbLedger("lake-ledger")
    [rec] = ledger.records("finance")
    assert rec.outcome == "received" and rec.landing_key
    landed = s3.head_object(Bucket=BUCKETS["LANDING_BUCKET"], Key=rec.landing_key)
    landing_event = object_created(BUCKETS["LANDING_BUCKET"], rec.landing_key, landed["ContentLength"],
                                   landed["ETag"].strip('"'), landed["VersionId"])
    assert validator.handler(sqs_event(landing_event), LambdaContext("validator")) == {"batchItemFailures": []}

    done = ledger.get(rec.ingest_id)
    assert done is not None and done.outcome == "staged" and done.rows_staged == 5
    body = s3.get_object(Bucket=BUCKETS["STAGING_BUCKET"], Key=done.staged_key)["Body"].read()
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == 5 and str(table.schema.field("amount").type) == "decimal128(12, 2)"

    # The validator registered the staged file as a partition of finance_staging.expenses.
    day = done.staged_key.split("/")[2].removeprefix("ingest_date=")
    assert GlueCatalog().partitions("finance", "expenses") == [day]
    glue_table = boto3.client("glue").get_table(DatabaseName="finance_staging", Name="expenses")["Table"]
    assert glue_table["StorageDescriptor"]["Location"] == f"s3://{BUCKETS['STAGING_BUCKET']}/finance/expenses/"

    # A redelivered event is a no-op: one ingest, one recorded duplicate.
    assert receiver.handler(sqs_event(event), LambdaContext("receiver")) == {"batchItemFailures": []}
    outcomes = sorted(r.outcome for r in ledger.records("finance"))
    assert outcomes == ["duplicate", "staged"]
