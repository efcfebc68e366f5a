"""The lake's customer-managed KMS key: every bucket, the ledger, queues, topics and logs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class LakeKey(Construct):
    def __init__(self, scope: Construct, id: str, *, allow_destroy: bool) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        # The default key policy delegates to IAM in this account, so each role's grants
        # (kms:Decrypt etc. on this key only) are the single place that says who may use it.
        self.key = kms.Key(
            self, "Key",
            description="Insight Lake: encrypts every data bucket, the ingest ledger, queues, topics and logs",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN,
        )
        # Services that encrypt on the lake's behalf, with no role of ours in between:
        # CloudWatch Logs (Lambda, Glue and Step Functions logs) ...
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogs",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                    f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:*"}},
        ))
        # ... EventBridge (into the encrypted queues), CloudWatch alarms (into the encrypted
        # topics) and SNS (into the subscriptions' dead-letter queues), for this account only.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="EventsAlarmsAndNotifications",
            principals=[iam.ServicePrincipal("events.amazonaws.com"),
                        iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                        iam.ServicePrincipal("sns.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ))
