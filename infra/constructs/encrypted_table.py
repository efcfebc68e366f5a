"""The lake's DynamoDB tables (ingest ledger, platform records) share one shape: on demand,
the lake key, point-in-time recovery, and RETAIN unless ``lake:allowDestroy``."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

S = dynamodb.AttributeType.STRING


def encrypted_table(scope: Construct, id: str, *, key: kms.IKey, allow_destroy: bool,
                    sort_key: str | None = None) -> dynamodb.Table:
    return dynamodb.Table(
        scope, id,
        partition_key=dynamodb.Attribute(name="pk", type=S),
        sort_key=dynamodb.Attribute(name=sort_key, type=S) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        deletion_protection=not allow_destroy,
        removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN,
    )
