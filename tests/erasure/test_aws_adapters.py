"""The erasure's raw-file part on the AWS adapters (moto): S3 objects rewritten with their metadata
and without any older version left, and the DynamoDB ledger counting the rewritten version as seen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import boto3
import pytest

from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.backends.storage import S3Storage
from lake.erasure.objects import rewrite_object
from lake.erasure.raw import Layout
from lake.erasure.subject import Subject
from lake.runtime.context import Buckets, Context
from tests.conftest import ZONES
from tests.ingest.test_aws_backends import ledger_table, rec

DANA = Subject.of("person_email", "dana.lee@example.com")


def versions(s3, bucket: str, key: str) -> list[str]:  # noqa: ANN001
    page = s3.list_object_versions(Bucket=bucket, Prefix=key)
    return [v["VersionId"] for v in page.get("Versions", []) + page.get("DeleteMarkers", []) if v["Key"] == key]


def test_an_s3_object_is_rewritten_with_its_metadata_and_no_old_version(aws, tmp_path: Path) -> None:  # noqa: ANN001, F811
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="land", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="land", VersioningConfiguration={"Status": "Enabled"})
    key = "finance/expenses/ingest_date=2026-11-21/i-1/a.csv"
    s3.put_object(Bucket="land", Key=key, Body=b"expense_id,employee_email\n1,ann@example.com\n",
                  Metadata={"ingest-id": "i-1", "sha256": "old"})
    s3.put_object(Bucket="land", Key=key, Metadata={"ingest-id": "i-1", "sha256": "older"},
                  Body=b"expense_id,employee_email\n1,ann@example.com\n2,dana.lee@example.com\n")
    ctx = dataclasses.replace(Context.local(tmp_path / "home", ZONES), storage=S3Storage(),
                              buckets=Buckets("in", "land", "stage"))
    done = rewrite_object(ctx, "land", key, Layout("csv", frozenset({"employee_email"})), DANA)
    assert done is not None and done.rows.removed == 1
    obj = s3.get_object(Bucket="land", Key=key)
    assert obj["Body"].read() == b"expense_id,employee_email\n1,ann@example.com\n"
    assert obj["Metadata"] == {"ingest-id": "i-1", "sha256": done.sha256}
    assert versions(s3, "land", key) == [obj["VersionId"]]  # both older versions are gone
    assert done.new.version_id == obj["VersionId"] != done.old.version_id


def test_the_dynamodb_ledger_claims_the_rewritten_version(aws) -> None:  # noqa: ANN001, F811
    ledger = DynamoDbLedger(ledger_table())
    first = ledger.claim(rec("v1"))
    ledger.erased(first.ingest_id, "erase-1", version="v2", sha256="s2", size=5)
    got = ledger.get(first.ingest_id)
    assert got and (got.version, got.sha256, got.size, got.erased_by) == ("v2", "s2", 5, "erase-1")
    assert "v2" in ledger.seen("ingress", "finance/expenses/a.csv")
    again = ledger.claim(rec("v2"))  # the rewrite's own S3 event reaching the receiver
    assert again.outcome == "duplicate" and again.duplicate_of == first.ingest_id
    other = ledger.claim(rec("v3"))
    ledger.erased(other.ingest_id, "erase-2", version="v2")  # those bytes are claimed already: keep v3
    assert ledger.get(other.ingest_id).version == "v3"  # type: ignore[union-attr]


@pytest.mark.parametrize("exists", [True, False])
def test_purging_versions_keeps_only_the_current_one(aws, exists: bool) -> None:  # noqa: ANN001, F811
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bkt", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket="bkt", Key="k", Body=body)
    s3.put_object(Bucket="bkt", Key="k2", Body=b"other")
    if not exists:
        s3.delete_object(Bucket="bkt", Key="k")
    S3Storage().purge_old_versions("bkt", "k")
    assert len(versions(s3, "bkt", "k")) == (1 if exists else 0)
    assert len(versions(s3, "bkt", "k2")) == 1
