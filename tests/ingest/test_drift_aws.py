"""Schema drift on AWS: the DynamoDB ledger keeps the columns each file carried, replays a quarantined
ingest as a new attempt of itself, and claims content once per dataset (moto)."""

from __future__ import annotations

import dataclasses

import boto3

from lake.backends.alerts import LocalAlerts
from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.backends.storage import S3Storage
from lake.cli import main
from lake.home import LakeHome
from lake.ingest.receiver import receive
from lake.runtime.context import Buckets, Context
from lake.runtime.events import ObjectRef
from lake.tasks.ingest import validate_task
from tests.ingest.test_aws_backends import ledger_table, rec
from tests.ingest.test_drift import DUPS, zones


def test_dynamodb_ledger_columns_reopen_and_content_claims(aws):
    ledger = DynamoDbLedger(ledger_table())
    r = ledger.claim(rec())
    ledger.complete(r.ingest_id, outcome="staged", columns=["expense_id", "amount"], warnings=[])
    assert ledger.get(r.ingest_id).columns == ["expense_id", "amount"]
    assert ledger.claim(rec("v2")).columns is None  # not recorded: every column
    assert not ledger.reopen(r.ingest_id)  # staged: nothing to replay
    q = ledger.claim(rec("v3"))
    ledger.complete(q.ingest_id, outcome="quarantined", reason="bad", quarantine_key="_quarantine/x", rows_read=4)
    assert not ledger.reopen(q.ingest_id)  # quarantined before landing: no copy to validate
    ledger.complete(q.ingest_id, landing_key="finance/expenses/x.csv", acknowledged_at="t", acknowledged_by="me")
    assert ledger.get(q.ingest_id).acknowledged_by == "me"
    assert ledger.reopen(q.ingest_id) and not ledger.reopen(q.ingest_id)  # once
    again = ledger.get(q.ingest_id)
    assert (again.outcome, again.replays, again.reason, again.rows_read, again.quarantine_key) == (
        "received", 1, None, 0, None)
    assert again.replayed_at and again.acknowledged_at is None and again.landing_key == "finance/expenses/x.csv"
    assert ledger.claim_content("finance", "expenses", "abc", r.ingest_id) == r.ingest_id
    assert ledger.claim_content("finance", "expenses", "abc", q.ingest_id) == r.ingest_id
    assert ledger.claim_content("finance", "other", "abc", q.ingest_id) == q.ingest_id
    assert len(ledger.records()) == 3  # content claims are not ingests


def test_lake_replay_on_s3_and_dynamodb_after_a_contract_fix(aws, tmp_path, monkeypatch, capsys):
    s3 = boto3.client("s3")
    for b in ("lake-in", "lake-land", "lake-stage"):
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    strict = zones(tmp_path, "{property: duplicateKeys, value: quarantine}")
    local = Context.local(tmp_path / "home", strict)
    ctx = dataclasses.replace(local, home=LakeHome(tmp_path / "aws"), storage=S3Storage(s3),
                              ledger=DynamoDbLedger(ledger_table()),
                              alerts=LocalAlerts(tmp_path / "a.jsonl", echo=False),
                              buckets=Buckets("lake-in", "lake-land", "lake-stage"))
    s3.put_object(Bucket="lake-in", Key="finance/expenses/dups.csv", Body=DUPS.encode())
    head = s3.head_object(Bucket="lake-in", Key="finance/expenses/dups.csv")
    got = receive(ctx, ObjectRef("lake-in", "finance/expenses/dups.csv", head["ContentLength"],
                                 head["ETag"].strip('"'), head["VersionId"]))
    bad = validate_task(ctx, "lake-land", got.landing_key, head["ContentLength"])
    assert bad.outcome == "quarantined" and "duplicateKeys quarantine" in bad.reason
    s3.put_object(Bucket="lake-in", Key="finance/expenses/dups-again.csv", Body=DUPS.encode())
    head2 = s3.head_object(Bucket="lake-in", Key="finance/expenses/dups-again.csv")
    dup = receive(ctx, ObjectRef("lake-in", "finance/expenses/dups-again.csv", head2["ContentLength"],
                                 head2["ETag"].strip('"'), head2["VersionId"]))
    assert dup.outcome == "duplicate" and dup.duplicate_of == bad.ingest_id
    fixed = zones(tmp_path / "fixed")  # the same contract without the quarantine policy
    boto3.client("glue").create_database(DatabaseInput={"Name": "finance_staging"})  # the zone stack's
    for k, v in {"LAKE_BACKEND": "aws", "LEDGER_TABLE": "ledger", "INGRESS_BUCKET": "lake-in",
                 "LANDING_BUCKET": "lake-land", "STAGING_BUCKET": "lake-stage"}.items():
        monkeypatch.setenv(k, v)
    assert main(["replay", bad.ingest_id, "--config", str(fixed), "--home", str(tmp_path / "cli")]) == 0
    assert "staged      finance/expenses/dups.csv -> finance/expenses (6 staged" in capsys.readouterr().out
    done = ctx.ledger.get(bad.ingest_id)
    assert (done.ingest_id, done.outcome, done.replays, done.rows_staged) == (bad.ingest_id, "staged", 1, 6)
    assert s3.head_object(Bucket="lake-stage", Key=done.staged_key)["ContentLength"] > 0
    assert boto3.client("glue").get_partitions(DatabaseName="finance_staging", TableName="expenses")["Partitions"]
    assert done.columns and "description" in done.columns
    assert [r.ingest_id for r in ctx.ledger.pending_promotion("finance", "expenses")] == [bad.ingest_id]
