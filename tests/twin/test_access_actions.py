"""Recorded API calls as the IAM requests AWS makes for them (no twin run, a two-resource deployment)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from lake.twin.access.actions import Naming, needs
from lake.twin.deploy import Deployment, Resource
from lake.twin.glue import CATALOG_BUCKET

KEY = "arn:aws:kms:eu-west-1:111111111111:key/k1"


def naming() -> Naming:
    assembly = SimpleNamespace(account="111111111111", region="eu-west-1")
    encryption = {"ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": True, "ServerSideEncryptionByDefault": {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}}]}
    dep = Deployment(assembly, [  # type: ignore[arg-type]
        Resource("S", "Data", "AWS::S3::Bucket", {"BucketEncryption": encryption}, "data",
                 {"Arn": "arn:aws:s3:::data"}),
        Resource("S", "Queue", "AWS::SQS::Queue", {"KmsMasterKeyId": KEY}, "https://sqs/111111111111/q",
                 {"Arn": "arn:aws:sqs:eu-west-1:111111111111:q"}),
        Resource("S", "Ledger", "AWS::DynamoDB::Table", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
                 "ledger", {"Arn": "arn:aws:dynamodb:eu-west-1:111111111111:table/ledger"}),
        Resource("S", "Ods", "AWS::Glue::Database", {"DatabaseInput": {"LocationUri": "s3://data/finance"}},
                 "finance_ods", {}),
    ])
    return Naming(dep)


def as_tuples(action: str, params: dict[str, str]) -> list[tuple[str, str, dict[str, list[str]]]]:
    return [(n.action, n.resource, {k: v for k, v in n.context.items() if k != "kms:calleraccount"})
            for n in needs(naming(), action, params)]


S3_VIA = ["s3.eu-west-1.amazonaws.com"]


def test_object_reads_and_writes_need_the_bucket_key_through_s3() -> None:
    assert as_tuples("s3:HeadObject", {"Bucket": "data", "Key": "a"}) == [("s3:GetObject", "arn:aws:s3:::data/a", {})]
    ec = {"kms:viaservice": S3_VIA, "kms:encryptioncontext:aws:s3:arn": ["arn:aws:s3:::data"]}  # bucket key
    assert as_tuples("s3:GetObject", {"Bucket": "data", "Key": "a", "VersionId": "v"}) == [
        ("s3:GetObjectVersion", "arn:aws:s3:::data/a", {}), ("kms:Decrypt", KEY, ec)]
    copy = as_tuples("s3:CopyObject", {"Bucket": "data", "Key": "b",
                                       "CopySource": json.dumps({"Bucket": "data", "Key": "a"})})
    assert copy == [("s3:GetObject", "arn:aws:s3:::data/a", {}), ("kms:Decrypt", KEY, ec),
                    ("s3:PutObject", "arn:aws:s3:::data/b", {}), ("kms:GenerateDataKey", KEY, ec)]


def test_listing_carries_its_prefix_and_location_does_not() -> None:
    assert as_tuples("s3:ListObjectsV2", {"Bucket": "data", "Prefix": "finance/"}) == [
        ("s3:ListBucket", "arn:aws:s3:::data", {"s3:prefix": ["finance/"]})]
    assert as_tuples("s3:ListObjectsV2", {"Bucket": "data"}) == [  # the whole bucket: an empty prefix
        ("s3:ListBucket", "arn:aws:s3:::data", {"s3:prefix": [""]})]
    assert as_tuples("s3:GetBucketLocation", {"Bucket": "data"}) == [("s3:GetBucketLocation", "arn:aws:s3:::data", {})]


def test_the_twin_catalogs_warehouse_is_the_databases_location() -> None:
    key = "warehouse/finance_ods/expenses/metadata/v1.metadata.json"
    assert as_tuples("s3:PutObject", {"Bucket": CATALOG_BUCKET, "Key": key})[0] == (
        "s3:PutObject", "arn:aws:s3:::data/finance/expenses/metadata/v1.metadata.json", {})
    # Spark's listing of a table's metadata: the database location's bucket, with the prefix AWS sees
    listing = {"Bucket": CATALOG_BUCKET, "Prefix": "warehouse/finance_ods/expenses/metadata/"}
    assert as_tuples("s3:ListObjectsV2", listing) == [
        ("s3:ListBucket", "arn:aws:s3:::data", {"s3:prefix": ["finance/expenses/metadata/"]})]


def test_queue_producers_need_data_keys_consumers_decrypt() -> None:
    queue = "arn:aws:sqs:eu-west-1:111111111111:q"
    ec = {"kms:viaservice": ["sqs.eu-west-1.amazonaws.com"], "kms:encryptioncontext:aws:sqs:arn": [queue]}
    assert as_tuples("sqs:SendMessageBatch", {"QueueUrl": "https://sqs/111111111111/q"}) == [
        ("sqs:SendMessage", queue, {}), ("kms:GenerateDataKey", KEY, ec), ("kms:Decrypt", KEY, ec)]
    assert as_tuples("sqs:ReceiveMessage", {"QueueUrl": "https://sqs/111111111111/q"}) == [
        ("sqs:ReceiveMessage", queue, {}), ("kms:Decrypt", KEY, ec)]


def test_dynamodb_leading_keys_from_the_item_or_the_key_condition() -> None:
    table = "arn:aws:dynamodb:eu-west-1:111111111111:table/ledger"
    item = json.dumps([{"table": "ledger", "attrs": {"pk": "lock#finance", "sk": "x"}}])
    assert as_tuples("dynamodb:DeleteItem", {"TableName": "ledger", "ItemKeys": item}) == [
        ("dynamodb:DeleteItem", table, {"dynamodb:leadingkeys": ["lock#finance"]})]
    query = json.dumps([{"table": "ledger", "condition": "#k = :v AND sk > :s", "names": {"#k": "pk"},
                         "values": {":v": "ingest#1", ":s": "a"}}])
    assert as_tuples("dynamodb:Query", {"TableName": "ledger", "IndexName": "byState", "ItemKeys": query}) == [
        ("dynamodb:Query", f"{table}/index/byState", {"dynamodb:leadingkeys": ["ingest#1"]})]
    transact = json.dumps([{"table": "ledger", "op": "Put", "attrs": {"pk": "a"}},
                           {"table": "ledger", "op": "ConditionCheck", "attrs": {"pk": "b"}}])
    assert [t[0] for t in as_tuples("dynamodb:TransactWriteItems", {"ItemKeys": transact})] == [
        "dynamodb:PutItem", "dynamodb:ConditionCheckItem"]


def test_replication_needs_reading_the_source_and_replicating_into_the_destination() -> None:
    from lake.twin.access.derived import _replication

    n = naming()
    source = n.dep.resources[0]
    source.properties["ReplicationConfiguration"] = {
        "Role": "arn:aws:iam::111111111111:role/replication",
        "Rules": [{"Destination": {"Bucket": "arn:aws:s3:::replica", "EncryptionConfiguration": {
            "ReplicaKmsKeyID": "arn:aws:kms:eu-central-1:111111111111:key/r"}}}]}
    got = {(ob.need.action, ob.need.resource) for ob in _replication(n, n.dep)}
    assert {("s3:GetReplicationConfiguration", "arn:aws:s3:::data"),
            ("s3:GetObjectVersionForReplication", "arn:aws:s3:::data/any-object"), ("kms:Decrypt", KEY),
            ("s3:ReplicateObject", "arn:aws:s3:::replica/any-object"),
            ("kms:GenerateDataKey", "arn:aws:kms:eu-central-1:111111111111:key/r")} <= got
    assert {ob.principal for ob in _replication(n, n.dep)} == {"arn:aws:iam::111111111111:role/replication"}


def test_lake_formation_reads_a_queried_table_with_the_registration_role() -> None:
    from lake.twin.access.derived import lake_formation_reads

    n = naming()
    n.dep.resources.append(Resource("S", "Register", "AWS::LakeFormation::Resource", {
        "ResourceArn": "arn:aws:s3:::data", "RoleArn": "arn:aws:iam::111111111111:role/lf"}, "r", {}))
    got = [(ob.principal, ob.need.action, ob.need.resource, ob.need.context.get("s3:prefix"))
           for ob in lake_formation_reads(n, n.dep, "finance_ods", "expenses")]
    role = "arn:aws:iam::111111111111:role/lf"
    assert got == [(role, "s3:ListBucket", "arn:aws:s3:::data", ["finance/expenses/"]),
                   (role, "s3:GetObject", "arn:aws:s3:::data/finance/expenses/data/part-0.parquet", None),
                   (role, "kms:Decrypt", KEY, None)]
