"""AWS Backup: a daily plan (35 days by default) for the ingest ledger and the ODS and
analytics buckets, into a vault encrypted with the lake key. Landing is the raw, immutable
source of everything else and is versioned; staging is rebuilt from landing.

Recovery points are copies an erasure cannot reach: erased subjects stay in them until they
expire, and come back with a restore (README, "Erasure on AWS")."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


class Backups(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, table: dynamodb.ITable,
                 buckets: Sequence[s3.IBucket], retention_days: int, allow_destroy: bool,
                 vault_name: str) -> None:
        super().__init__(scope, id)
        self.vault = backup.BackupVault(
            self, "Vault", encryption_key=key, backup_vault_name=vault_name,  # stage-qualified: stages share accounts
            removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN)
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=self.vault, backup_plan_rules=[
            backup.BackupPlanRule(
                rule_name="daily",
                schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                delete_after=Duration.days(retention_days),
                start_window=Duration.hours(1), completion_window=Duration.hours(8),
            )])
        self.selection = self.plan.add_selection("LakeState", allow_restores=True, resources=[
            backup.BackupResource.from_dynamo_db_table(table),
            *(backup.BackupResource.from_arn(b.bucket_arn) for b in buckets),
        ])
        # CDK's selection role holds AWS Backup's general policies, which do not cover S3: without these
        # two, every S3 backup and restore is denied (the access proof derives what Backup calls).
        for name in ("AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore"):
            self.selection.grant_principal.add_managed_policy(  # type: ignore[attr-defined]
                iam.ManagedPolicy.from_aws_managed_policy_name(name))
