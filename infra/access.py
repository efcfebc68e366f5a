"""Least-privilege S3, DynamoDB + KMS statements, spelled out (no ``s3:*``, no action wildcards).

CDK's ``bucket.grant_read_write`` grants ``s3:GetObject*``, ``s3:DeleteObject*`` and the
whole bucket; the lake's roles need exactly one verb set on exactly some prefixes, and the
key only through S3 for that bucket (S3 Bucket Keys put the bucket ARN in the encryption
context). Tests assert on these exact action lists. Grants take a role (or anything
grantable) or a managed policy (e.g. the zone stewards', attached by the identity team).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from infra.settings import catalog_prefix_of
from lake.namespace import physical_database, physical_table

READ = ("s3:GetObject", "s3:GetObjectVersion")
WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
DELETE = ("s3:DeleteObject", "s3:DeleteObjectVersion")
LIST = ("s3:ListBucket", "s3:GetBucketLocation")
KMS_READ = ("kms:Decrypt",)
KMS_WRITE = ("kms:GenerateDataKey", "kms:Decrypt")  # Decrypt: multipart uploads read their parts

Grantee: TypeAlias = iam.IGrantable | iam.ManagedPolicy


def _add(grantee: Grantee, statement: iam.PolicyStatement) -> None:
    if isinstance(grantee, iam.ManagedPolicy):
        grantee.add_statements(statement)
    else:
        grantee.grant_principal.add_to_principal_policy(statement)


def objects(bucket: s3.IBucket, prefixes: Sequence[str]) -> list[str]:
    return [bucket.arn_for_objects(f"{p}*") for p in prefixes] if prefixes else [bucket.arn_for_objects("*")]


def s3_statements(bucket: s3.IBucket, *, prefixes: Sequence[str] = (), read: bool = False,
                  write: bool = False, delete: bool = False, delete_versions: bool = True,
                  list_versions: bool = False) -> list[iam.PolicyStatement]:
    """Statements for one bucket: the chosen verbs on the prefixes (all keys when none).

    ``delete_versions=False``: delete (a delete marker) but never remove a specific version."""
    deletes = DELETE if delete_versions else DELETE[:1]
    actions = [*(READ if read else ()), *(WRITE if write else ()), *(deletes if delete else ())]
    out = [iam.PolicyStatement(actions=actions, resources=objects(bucket, prefixes))]
    if read or delete:
        # Removing old versions of a rewritten object (erasure) starts by listing them.
        versions = ("s3:ListBucketVersions",) if list_versions else ()
        if prefixes:
            # s3:prefix exists only in listing requests: GetBucketLocation under it is always denied.
            listing = iam.PolicyStatement(actions=["s3:ListBucket", *versions], resources=[bucket.bucket_arn])
            listing.add_condition("StringLike", {"s3:prefix": [f"{p}*" for p in prefixes]})
            out += [listing, iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn])]
        else:
            out.append(iam.PolicyStatement(actions=[*LIST, *versions], resources=[bucket.bucket_arn]))
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


# IAM counts a managed policy's characters without whitespace; a role holds at most 10 managed
# policies unless the quota is raised. A value CloudFormation fills in (bucket ARN: 13 + up to 63
# characters, key ARN) is counted at its longest.
MANAGED_POLICY_CHARS = 6144
WORST_CASE_TOKEN = 80


def worst_case_size(scope: Stack, statements: Sequence[iam.PolicyStatement]) -> int:
    def render(node: Any) -> Any:
        if isinstance(node, list):
            return [render(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "Fn::Join" in node:
            sep, items = node["Fn::Join"]
            return sep.join(str(render(i)) for i in items)
        if {"Ref", "Fn::GetAtt", "Fn::ImportValue", "Fn::Sub"} & node.keys():
            return "x" * WORST_CASE_TOKEN
        return {k: render(v) for k, v in node.items()}

    document = {"Version": "2012-10-17", "Statement": scope.resolve([s.to_statement_json() for s in statements])}
    return len(json.dumps(render(document), separators=(",", ":")))


S3Grant = tuple[s3.IBucket, Sequence[str], Mapping[str, bool]]  # bucket, prefixes, s3_statements verbs


def packed_s3_policies(scope: Stack, id: str, *, role: iam.IRole, description: str,
                       grants: Sequence[S3Grant]) -> list[iam.ManagedPolicy]:
    """``s3_statements`` for many (bucket, prefixes, verbs), packed into as few managed policies as fit
    IAM's size limit: a role reaching many prefixes in many buckets (one per zone) would overflow one."""
    pages: list[list[iam.PolicyStatement]] = [[]]
    for bucket, prefixes, verbs in grants:
        pending = list(prefixes)
        while pending:
            n = _most_that_fit(scope, pages[-1], bucket, pending, verbs)
            if n == 0:
                if not pages[-1]:
                    raise ValueError(f"{bucket}: prefix {pending[0]!r} alone overflows a managed policy")
                pages.append([])
                continue
            pages[-1] += s3_statements(bucket, prefixes=pending[:n], **verbs)
            pending = pending[n:]
    pages = [page for page in pages if page]
    return [iam.ManagedPolicy(scope, f"{id}{i}", description=f"{description} ({i + 1} of {len(pages)})",
                              statements=page, roles=[role])
            for i, page in enumerate(pages)]


def _most_that_fit(scope: Stack, page: list[iam.PolicyStatement], bucket: s3.IBucket, prefixes: list[str],
                   verbs: Mapping[str, bool]) -> int:
    """How many of ``prefixes`` (in order) the page still takes (binary search: each try costs a resolve)."""
    lo, hi = 0, len(prefixes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        statements = page + s3_statements(bucket, prefixes=prefixes[:mid], **verbs)
        lo, hi = (mid, hi) if worst_case_size(scope, statements) <= MANAGED_POLICY_CHARS else (lo, mid - 1)
    return lo


def grant_s3(principal: iam.IGrantable, bucket: s3.IBucket, *, prefixes: Sequence[str] = (),
             read: bool = False, write: bool = False, delete: bool = False, delete_versions: bool = True) -> None:
    for statement in s3_statements(bucket, prefixes=prefixes, read=read, write=write, delete=delete,
                                   delete_versions=delete_versions):
        principal.grant_principal.add_to_principal_policy(statement)


LEDGER = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
          "dynamodb:ConditionCheckItem")
LEDGER_READ = ("dynamodb:GetItem", "dynamodb:Query")


def grant_ledger(principal: Grantee, table: dynamodb.ITable, *, scan: bool = False, read_only: bool = False) -> None:
    """Read and write ledger items (conditional writes), query its indexes; scan only for the sweep."""
    actions = [*(LEDGER_READ if read_only else LEDGER), *(("dynamodb:Scan",) if scan else ())]
    _add(principal, iam.PolicyStatement(actions=actions, resources=[table.table_arn, f"{table.table_arn}/index/*"]))
    _grant_table_key(principal, table)


LOCKS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


def lock_statement(table: dynamodb.ITable) -> iam.PolicyStatement:
    """Take, renew and release writer locks (``lock#<name>`` items of the ledger table,
    lake.backends.dynamodb_lock): those items only, so a lock holder deletes no ledger record.
    Its holders reach the table's key through ``grant_ledger``."""
    return iam.PolicyStatement(actions=list(LOCKS), resources=[table.table_arn], conditions={
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["lock#*"]}})


def _grant_table_key(principal: Grantee, table: dynamodb.ITable) -> None:
    if table.encryption_key is not None:
        _add(principal, iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources=[table.encryption_key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(table).region}.amazonaws.com"}}))


RECORDS = ("dynamodb:Query", "dynamodb:PutItem")


def grant_records(principal: Grantee, table: dynamodb.ITable, *, delete: bool = False,
                  partitions: Sequence[str] = ()) -> None:
    """Query and add platform records; delete them too for who closes alerts (validator, sweep).

    ``partitions`` confines the principal to those items (``<record table>#<zone>`` partition keys,
    ``*`` as a wildcard), e.g. ``approvals#finance``; no Scan: every read is a Query of a partition.
    """
    statement = iam.PolicyStatement(actions=[*RECORDS, *(("dynamodb:DeleteItem",) if delete else ())],
                                    resources=[table.table_arn])
    if partitions:
        statement.add_condition("ForAllValues:StringLike", {"dynamodb:LeadingKeys": list(partitions)})
    _add(principal, statement)
    _grant_table_key(principal, table)


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
    prefix = catalog_prefix_of(scope)  # the logical names given, the stage's databases granted
    databases, tables = [physical_database(d, prefix) for d in databases], [physical_table(t, prefix) for t in tables]
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


def grant_publish(principal: Grantee, topic_arns: Sequence[str], key: kms.IKey) -> None:
    """Publish to these KMS-encrypted topics, the key only through SNS."""
    _add(principal, iam.PolicyStatement(actions=["sns:Publish"], resources=list(topic_arns)))
    _add(principal, iam.PolicyStatement(
        actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"sns.{Stack.of(key).region}.amazonaws.com"}}))
