"""Storage (stateful): the lake key, one bucket per layer, the ingest ledger and platform records, Lake Formation
(settings, bucket registrations, LF-tags), catalog encryption, and backups. Everything here
RETAINs unless ``lake:allowDestroy`` is true."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import lock_statement
from infra.constructs.access_log_bucket import AccessLogBucket
from infra.constructs.backups import Backups
from infra.constructs.lake_formation import LakeFormationSettings
from infra.constructs.lake_key import LakeKey
from infra.constructs.ledger_table import LedgerTable
from infra.constructs.lf_tags import LfTags
from infra.constructs.pii_keys import PiiKeys
from infra.constructs.platform_records import PlatformRecordTables
from infra.constructs.records_table import RecordsTable
from infra.constructs.replication import Replication
from infra.constructs.secure_bucket import SecureBucket
from infra.settings import Settings
from infra.stacks.replica import ReplicaStack
from lake.backends.athena_records import PREFIX as PLATFORM_RECORDS
from lake.config.personal_data import ERASURE_REQUESTS

DATA_LAYERS = ("ingress", "landing", "staging", "ods", "analytics")
QUARANTINE_PREFIX = "_quarantine/"
ERASURE_REQUEST_DAYS = 30  # an erasure is due within a month; a request older than that is resubmitted


class StorageStack(Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, zones: Sequence[str],
                 zone_principals: Sequence[str], pii_prefixes: Mapping[str, Sequence[str]],
                 pii_zones: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        s = settings
        self.key = LakeKey(self, "LakeKey", allow_destroy=s.allow_destroy).key
        self.access_logs = AccessLogBucket(self, "AccessLogs", allow_destroy=s.allow_destroy).bucket
        self.pii_prefixes = {layer: list(pii_prefixes.get(layer, ())) for layer in DATA_LAYERS}

        def erasable(layer: str | None) -> list[str]:
            """Prefixes whose old versions expire soon: personal data, and the platform records an erasure
            redacts (staging's _platform/, the objects platform.* reads) where there is personal data."""
            prefixes = list(self.pii_prefixes[layer]) if layer else []
            return [*prefixes, PLATFORM_RECORDS] if layer == "staging" and any(self.pii_prefixes.values()) else prefixes

        def bucket(name: str, layer: str | None = None, **extra: Any) -> s3.Bucket:
            return SecureBucket(self, name, key=self.key, access_logs=self.access_logs,
                                allow_destroy=s.allow_destroy, noncurrent_version_days=s.noncurrent_version_days,
                                erasable_prefixes=erasable(layer),
                                erased_version_days=s.erased_version_days, **extra).bucket

        # Ingress emits S3 events to EventBridge, which the pipeline routes to the receiver.
        self.ingress = bucket("Ingress", "ingress", event_bridge=True)
        # Landing emits events too: a landed copy is what the validator picks up. Erasure requests
        # wait here (encrypted, never readable by zones) for the erasure job, which deletes them;
        # one whose execution failed and was never redriven goes after ERASURE_REQUEST_DAYS.
        self.landing = bucket("Landing", "landing", event_bridge=True,
                              expire_prefixes={QUARANTINE_PREFIX: s.quarantine_retention_days,
                                               ERASURE_REQUESTS: ERASURE_REQUEST_DAYS})
        # Landing is the platform's: whatever IAM policy a zone principal (producer, reader) is
        # given later, the bucket itself refuses them. A condition, not a Principal, so that a
        # role that does not exist (yet) cannot make the policy invalid.
        if zone_principals:
            self.landing.add_to_resource_policy(iam.PolicyStatement(
                sid="ZonePrincipalsNeverReadLanding", effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()],
                actions=["s3:*"], resources=[self.landing.bucket_arn, self.landing.arn_for_objects("*")],
                conditions={"ArnLike": {"aws:PrincipalArn": sorted(set(zone_principals))}}))
        # Staging emits events too: a staged object is what starts a zone's promotion.
        self.staging = bucket("Staging", "staging", event_bridge=True)
        self.ods = bucket("Ods", "ods")
        self.analytics = bucket("Analytics", "analytics")
        self.athena_results = bucket("AthenaResults", expire_days=s.athena_results_days)
        self.artifacts = bucket("Artifacts")
        self.ledger = LedgerTable(self, "Ledger", key=self.key, allow_destroy=s.allow_destroy).table
        # Writer locks (lake.runtime.lock): one managed policy that every Iceberg writer's role attaches,
        # so the 50-zone roles' inline policies do not grow.
        self.writer_locks = iam.ManagedPolicy(self, "WriterLocks", statements=[lock_statement(self.ledger)],
                                              description="Take, renew and release lock#* items of the ledger")
        self.records = RecordsTable(self, "Records", key=self.key, allow_destroy=s.allow_destroy).table
        # One HMAC key per zone holding PII (and the platform's): to_ods hashes with it, erasure matches.
        # platform.runs, quality_results, approvals, erasures for Athena: JSON under staging's _platform/.
        self.platform_records = PlatformRecordTables(self, "PlatformRecords", bucket=self.staging, zones=zones)
        self.pii_keys = PiiKeys(self, "PiiKeys", zones=pii_zones, key=self.key, allow_destroy=s.allow_destroy)
        # What `lake approve` with LAKE_BACKEND=aws needs (LEDGER_TABLE, RECORDS_TABLE): names CloudFormation chose.
        CfnOutput(self, "LedgerTableName", value=self.ledger.table_name, description="LEDGER_TABLE")
        CfnOutput(self, "RecordsTableName", value=self.records.table_name, description="RECORDS_TABLE")
        CfnOutput(self, "StagingBucketName", value=self.staging.bucket_name,
                  description="STAGING_BUCKET (where platform records are written for Athena)")

        # Another stage in this account and region may own the account's settings (settings.py): deploy it first.
        self.lake_formation = LakeFormationSettings(
            self, "LakeFormation", admins=s.env.account_admins or s.env.lake_admins, data_buckets=self.data_buckets,
            manage_settings=s.env.owns_account_settings)
        self.lf_tags = LfTags(self, "LfTags", zones=zones)
        for tag in self.lf_tags.tags.values():
            if self.lake_formation.settings is not None:
                tag.node.add_dependency(self.lake_formation.settings)  # created as an administrator
        # Table metadata (schemas, locations) encrypted with the lake key: an account-wide setting
        # (every database of the account's catalog, and the key every catalog reader then needs), so
        # only with -c lake:catalogEncryption=true.
        if s.catalog_encryption and s.env.owns_account_settings:
            settings_ = glue.CfnDataCatalogEncryptionSettings
            glue.CfnDataCatalogEncryptionSettings(
                self, "CatalogEncryption", catalog_id=self.account,
                data_catalog_encryption_settings=settings_.DataCatalogEncryptionSettingsProperty(
                    encryption_at_rest=settings_.EncryptionAtRestProperty(
                        catalog_encryption_mode="SSE-KMS", sse_aws_kms_key_id=self.key.key_id),
                    connection_password_encryption=settings_.ConnectionPasswordEncryptionProperty(
                        return_connection_password_encrypted=True, kms_key_id=self.key.key_id)))
        self.backups = Backups(self, "Backups", key=self.key, table=self.ledger, buckets=[self.ods, self.analytics],
                               retention_days=s.backup_retention_days, allow_destroy=s.allow_destroy,
                               vault_name=f"{s.prefix}-lake")

    def replicate_to(self, replica: ReplicaStack) -> None:
        self.replication = Replication(
            self, "Replication", key=self.key, pairs={self.ods: replica.buckets["ods"],
                                                      self.analytics: replica.buckets["analytics"]},
            replica_region=replica.region, replica_alias=replica.alias_name, replica_alias_arn=replica.alias_arn)
        self.add_dependency(replica)

    @property
    def all_buckets(self) -> dict[str, s3.IBucket]:
        return {**self.data_buckets, "athena_results": self.athena_results, "artifacts": self.artifacts}

    @property
    def data_buckets(self) -> dict[str, s3.IBucket]:
        return {"ingress": self.ingress, "landing": self.landing, "staging": self.staging,
                "ods": self.ods, "analytics": self.analytics}
