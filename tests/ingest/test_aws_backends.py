"""The AWS adapters under moto: the DynamoDB ledger keeps the ledger's contract, S3 storage
carries the whole ingestion path (receiver and validator on S3 objects)."""

from __future__ import annotations

import dataclasses
import os

import boto3

from lake.backends.alerts import LocalAlerts
from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.backends.ledger import IngestRecord, new_ingest_id, now
from lake.backends.storage import S3Storage
from lake.home import LakeHome
from lake.ingest.receiver import receive
from lake.ingest.validator import validate
from lake.runtime.context import Buckets, Context
from lake.runtime.events import ObjectRef
from tests.ingest.conftest import FIXTURES


def index(name: str, hash_key: str, range_key: str) -> dict:
    return {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"},
                          {"AttributeName": range_key, "KeyType": "RANGE"}]}


def ledger_table() -> str:
    """The table as infra/constructs/ledger_table.py defines it."""
    s = {"AttributeType": "S"}
    boto3.client("dynamodb").create_table(
        TableName="ledger", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, **s} for n in ("pk", "zone", "arrived_at", "source", "version")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[index("by_zone", "zone", "arrived_at"), index("by_source", "source", "version")])
    return "ledger"


def rec(version: str = "v1", zone: str | None = "finance") -> IngestRecord:
    return IngestRecord(new_ingest_id(), zone, "expenses" if zone else None, "ingress", "finance/expenses/a.csv",
                        version, "", 10, now())


def test_dynamodb_ledger_claims_once_and_records_duplicates(aws):
    ledger = DynamoDbLedger(ledger_table())
    first = ledger.claim(rec())
    dup = ledger.claim(rec())
    other = ledger.claim(rec("v2"))
    assert (first.outcome, dup.outcome, other.outcome) == ("received", "duplicate", "received")
    assert dup.duplicate_of == first.ingest_id and ledger.get(dup.ingest_id).outcome == "duplicate"
    assert ledger.seen("ingress", "finance/expenses/a.csv") == {"v1", "v2"}
    assert [r.ingest_id for r in ledger.records("finance")] == [first.ingest_id, dup.ingest_id, other.ingest_id]


def test_dynamodb_ledger_lease_completion_and_promotion(aws):
    ledger = DynamoDbLedger(ledger_table())
    r = ledger.claim(rec())
    assert ledger.start(r.ingest_id, "lambda") and not ledger.start(r.ingest_id, "lambda")
    assert [u.ingest_id for u in ledger.unfinished(-1)] == [r.ingest_id]
    assert ledger.start(r.ingest_id, "glue", lease_seconds=-1)
    ledger.complete(r.ingest_id, outcome="staged", rows_read=5, rows_staged=5, staged_key="k.parquet",
                    warnings=["extra columns dropped: x"], reason=None)
    got = ledger.get(r.ingest_id)
    assert (got.outcome, got.rows_staged, got.runner) == ("staged", 5, "glue")
    assert got.warnings == ["extra columns dropped: x"]
    assert not ledger.start(r.ingest_id, "lambda", lease_seconds=-1) and ledger.unfinished(-1) == []
    assert [p.ingest_id for p in ledger.pending_promotion("finance", "expenses")] == [r.ingest_id]
    ledger.mark_promoted([r.ingest_id], "run-1")
    assert ledger.pending_promotion("finance", "expenses") == []
    assert ledger.get(r.ingest_id).promotion_run_id == "run-1" and ledger.get(r.ingest_id).completed_at


def test_unroutable_records_have_no_zone_and_still_list(aws):
    ledger = DynamoDbLedger(ledger_table())
    r = ledger.claim(rec(zone=None))
    assert ledger.records()[0].ingest_id == r.ingest_id and ledger.records("finance") == []


def test_the_ingestion_path_on_s3_and_dynamodb(aws, tmp_path):
    s3 = boto3.client("s3")
    for b in ("lake-in", "lake-land", "lake-stage"):
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    s3.upload_file(str(FIXTURES / "expenses_good.csv"), "lake-in", "finance/expenses/e.csv")
    local = Context.local(tmp_path / "home")
    ctx = dataclasses.replace(local, home=LakeHome(tmp_path / "aws"), storage=S3Storage(s3),
                              ledger=DynamoDbLedger(ledger_table()),
                              alerts=LocalAlerts(tmp_path / "a.jsonl", echo=False),
                              buckets=Buckets("lake-in", "lake-land", "lake-stage"))
    head = s3.head_object(Bucket="lake-in", Key="finance/expenses/e.csv")
    got = receive(ctx, ObjectRef("lake-in", "finance/expenses/e.csv", head["ContentLength"], head["ETag"].strip('"'),
                                 head["VersionId"]))
    assert got.version == head["VersionId"]
    landed = s3.get_object(Bucket="lake-land", Key=got.landing_key)
    assert landed["Body"].read() == (FIXTURES / "expenses_good.csv").read_bytes()
    assert landed["Metadata"]["source-key"] == "finance/expenses/e.csv" and landed["Metadata"]["sha256"] == got.sha256
    done = validate(ctx, "lake-land", got.landing_key)
    assert (done.outcome, done.rows_staged) == ("staged", 5)
    assert s3.head_object(Bucket="lake-stage", Key=done.staged_key)["ContentLength"] > 0
    again = receive(ctx, ObjectRef("lake-in", "finance/expenses/e.csv", head["ContentLength"], "x", head["VersionId"]))
    assert again.outcome == "duplicate"
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"


def test_ingests_arriving_in_the_same_second_keep_their_claim_order(aws):
    ledger = DynamoDbLedger(ledger_table())
    same = "2024-03-01T12:00:00.000+00:00"
    ids = [ledger.claim(IngestRecord(f"20240301T120000-{x}", "finance", "expenses", "ingress", f"k{n}", "v", "",
                                     1, same)).ingest_id for n, x in enumerate(["ffff", "0000", "8888"])]
    assert [r.ingest_id for r in ledger.records("finance")] == ids
