"""The storage stack: secure-by-default buckets, the ledger, the key, Lake Formation."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.infra.helpers import lid

DATA_BUCKETS = 7  # ingress, landing, staging, ods, analytics, athena results, artifacts


def kms_bucket() -> dict:
    return {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()},
        }]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "VersioningConfiguration": {"Status": "Enabled"},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": Match.any_value()},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
            "Status": "Enabled"})])},
    }


def test_every_data_bucket_is_encrypted_private_versioned_and_logged(storage: Template) -> None:
    storage.resource_properties_count_is("AWS::S3::Bucket", kms_bucket(), DATA_BUCKETS)
    storage.resource_count_is("AWS::S3::Bucket", DATA_BUCKETS + 1)  # + the access-log bucket


def test_every_bucket_denies_plain_http_and_old_tls(storage: Template) -> None:
    deny = {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Action": "s3:*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({"Effect": "Deny", "Action": "s3:*",
                           "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}),
    ])}}
    storage.resource_properties_count_is("AWS::S3::BucketPolicy", deny, DATA_BUCKETS + 1)


def test_data_buckets_are_retained(storage: Template) -> None:
    buckets = storage.find_resources("AWS::S3::Bucket")
    assert {b["DeletionPolicy"] for b in buckets.values()} == {"Retain"}
    assert {b["UpdateReplacePolicy"] for b in buckets.values()} == {"Retain"}


def test_quarantine_expires_and_ingress_landing_staging_emit_events(storage: Template) -> None:
    storage.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Prefix": "_quarantine/", "ExpirationInDays": 180})])}})
    storage.resource_properties_count_is("AWS::S3::Bucket", {
        "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}, 3)


def test_access_log_bucket_is_private_and_uses_sse_s3(storage: Template) -> None:
    # S3 server access logging can only deliver to SSE-S3 buckets.
    storage.has_resource_properties("AWS::S3::Bucket", {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicPolicy": True}),
        "LoggingConfiguration": Match.absent(),
    })


def test_lake_key_rotates_and_is_retained(storage: Template) -> None:
    storage.resource_count_is("AWS::KMS::Key", 1)
    storage.has_resource("AWS::KMS::Key", {"Properties": Match.object_like({"EnableKeyRotation": True}),
                                           "DeletionPolicy": "Retain"})


def test_ledger_has_point_in_time_recovery_and_kms(storage: Template) -> None:
    storage.has_resource("AWS::DynamoDB::Table", {
        "Properties": Match.object_like({
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
            "DeletionProtectionEnabled": True,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
        "DeletionPolicy": "Retain",
    })


def test_lake_formation_appends_its_admins_and_keeps_the_account_defaults(storage: Template) -> None:
    storage.has_resource_properties("AWS::LakeFormation::DataLakeSettings", {
        "MutationType": "APPEND",  # more in tests/infra/test_account_safety.py
        "Admins": Match.array_with([
            {"DataLakePrincipalIdentifier": "arn:aws:iam::111111111111:role/InsightLakeAdmin"}]),
        "CreateDatabaseDefaultPermissions": Match.absent(),
        "CreateTableDefaultPermissions": Match.absent(),
    })


def test_every_data_bucket_is_registered_with_a_dedicated_role(storage: Template) -> None:
    storage.resource_properties_count_is("AWS::LakeFormation::Resource", {
        "UseServiceLinkedRole": False, "RoleArn": Match.any_value()}, 5)
    storage.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": [
        Match.object_like({"Principal": {"Service": "lakeformation.amazonaws.com"}})]}})


def test_landing_refuses_every_zone_principal_whatever_their_iam_policies(lake, storage: Template) -> None:
    principals = {f"arn:aws:iam::111111111111:role/{n}" for z in lake.cfg.zones.values()
                  for n in [*z.spec.producers, *z.spec.readers, *z.spec.pii_readers]}
    storage.has_resource_properties("AWS::S3::BucketPolicy", {
        "Bucket": {"Ref": lid(lake.storage.landing)},
        "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Sid": "ZonePrincipalsNeverReadLanding", "Effect": "Deny", "Action": "s3:*", "Principal": {"AWS": "*"},
            "Condition": {"ArnLike": {"aws:PrincipalArn": sorted(principals)}}})])}})


def test_platform_records_table_is_encrypted_recoverable_retained_and_has_no_index(lake, storage: Template) -> None:
    storage.has_resource("AWS::DynamoDB::Table", {
        "Properties": Match.object_like({
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
            "DeletionProtectionEnabled": True, "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": Match.absent()}),
        "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    outputs = storage.to_json()["Outputs"]
    assert outputs["RecordsTableName"]["Value"] == {"Ref": lid(lake.storage.records)}
    assert outputs["LedgerTableName"]["Value"] == {"Ref": lid(lake.storage.ledger)}
