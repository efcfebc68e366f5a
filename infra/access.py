"""Least-privilege S3 + KMS statements, spelled out (no ``s3:*``, no action wildcards).

CDK's ``bucket.grant_read_write`` grants ``s3:GetObject*``, ``s3:DeleteObject*`` and the
whole bucket; the lake's roles need exactly one verb set on exactly some prefixes, and the
key only through S3 for that bucket (S3 Bucket Keys put the bucket ARN in the encryption
context). Tests assert on these exact action lists.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

READ = ("s3:GetObject", "s3:GetObjectVersion")
WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
DELETE = ("s3:DeleteObject", "s3:DeleteObjectVersion")
LIST = ("s3:ListBucket", "s3:GetBucketLocation")
KMS_READ = ("kms:Decrypt",)
KMS_WRITE = ("kms:GenerateDataKey", "kms:Decrypt")  # Decrypt: multipart uploads read their parts


def objects(bucket: s3.IBucket, prefixes: Sequence[str]) -> list[str]:
    return [bucket.arn_for_objects(f"{p}*") for p in prefixes] if prefixes else [bucket.arn_for_objects("*")]


def s3_statements(bucket: s3.IBucket, *, prefixes: Sequence[str] = (), read: bool = False,
                  write: bool = False, delete: bool = False, delete_versions: bool = True) -> list[iam.PolicyStatement]:
    """Statements for one bucket: the chosen verbs on the prefixes (all keys when none).

    ``delete_versions=False``: delete (a delete marker) but never remove a specific version."""
    deletes = DELETE if delete_versions else DELETE[:1]
    actions = [*(READ if read else ()), *(WRITE if write else ()), *(deletes if delete else ())]
    out = [iam.PolicyStatement(actions=actions, resources=objects(bucket, prefixes))]
    if read or delete:
        listing = iam.PolicyStatement(actions=list(LIST), resources=[bucket.bucket_arn])
        if prefixes:
            listing.add_condition("StringLike", {"s3:prefix": [f"{p}*" for p in prefixes]})
        out.append(listing)
    if bucket.encryption_key is not None:
        stack = Stack.of(bucket)
        kms_actions = sorted({*(KMS_READ if read else ()), *(KMS_WRITE if write else ())})
        if kms_actions:
            out.append(iam.PolicyStatement(
                actions=kms_actions, resources=[bucket.encryption_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"},
                    "ArnLike": {"kms:EncryptionContext:aws:s3:arn": bucket.bucket_arn},
                }))
    return out


def grant_s3(principal: iam.IGrantable, bucket: s3.IBucket, *, prefixes: Sequence[str] = (),
             read: bool = False, write: bool = False, delete: bool = False, delete_versions: bool = True) -> None:
    for statement in s3_statements(bucket, prefixes=prefixes, read=read, write=write, delete=delete,
                                   delete_versions=delete_versions):
        principal.grant_principal.add_to_principal_policy(statement)


LEDGER = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
          "dynamodb:ConditionCheckItem")


def grant_ledger(principal: iam.IGrantable, table: dynamodb.ITable, *, scan: bool = False) -> None:
    """Read and write ledger items (conditional writes), query its indexes; scan only for the sweep."""
    actions = [*LEDGER, *(("dynamodb:Scan",) if scan else ())]
    policy = principal.grant_principal
    policy.add_to_principal_policy(iam.PolicyStatement(
        actions=actions, resources=[table.table_arn, f"{table.table_arn}/index/*"]))
    if table.encryption_key is not None:
        policy.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources=[table.encryption_key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(table).region}.amazonaws.com"}}))


def grant_catalog(principal: iam.IGrantable, scope: Stack, *, databases: Sequence[str], write: bool,
                  tables: Sequence[str] = ()) -> None:
    """Glue Data Catalog calls on exactly these databases (all their tables) and tables.

    Lake Formation still decides; IAM only stops calls on anything else.
    """
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions",
               "glue:BatchGetPartition"]
    if write:
        actions += ["glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:CreatePartition",
                    "glue:BatchCreatePartition", "glue:UpdatePartition"]
    resources = [scope.format_arn(service="glue", resource="catalog")]
    for db in databases:
        resources += [scope.format_arn(service="glue", resource="database", resource_name=db),
                      scope.format_arn(service="glue", resource="table", resource_name=f"{db}/*")]
    for table in tables:
        db, name = table.split(".")
        resources += [scope.format_arn(service="glue", resource="database", resource_name=db),
                      scope.format_arn(service="glue", resource="table", resource_name=f"{db}/{name}")]
    principal.grant_principal.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources))


def grant_catalog_key(principal: iam.IGrantable, key: kms.IKey) -> None:
    """The Data Catalog is encrypted with the lake key: decrypt (and, to write, encrypt) via Glue only."""
    principal.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"glue.{Stack.of(key).region}.amazonaws.com"}}))


def grant_publish(principal: iam.IGrantable, topic_arns: Sequence[str], key: kms.IKey) -> None:
    """Publish to these KMS-encrypted topics, the key only through SNS."""
    policy = principal.grant_principal
    policy.add_to_principal_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=list(topic_arns)))
    policy.add_to_principal_policy(iam.PolicyStatement(
        actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"sns.{Stack.of(key).region}.amazonaws.com"}}))
