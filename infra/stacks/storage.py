"""Storage (stateful): the lake key, one bucket per layer, the ingest ledger, Lake Formation
settings, and backups. Everything here RETAINs unless ``lake:allowDestroy`` is true."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.access_log_bucket import AccessLogBucket
from infra.constructs.lake_formation import LakeFormationSettings
from infra.constructs.lake_key import LakeKey
from infra.constructs.ledger_table import LedgerTable
from infra.constructs.secure_bucket import SecureBucket
from infra.settings import Settings

DATA_LAYERS = ("ingress", "landing", "staging", "ods", "analytics")
QUARANTINE_PREFIX = "_quarantine/"


class StorageStack(Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        s = settings
        self.key = LakeKey(self, "LakeKey", allow_destroy=s.allow_destroy).key
        self.access_logs = AccessLogBucket(self, "AccessLogs", allow_destroy=s.allow_destroy).bucket

        def bucket(name: str, **extra: Any) -> s3.Bucket:
            return SecureBucket(self, name, key=self.key, access_logs=self.access_logs,
                                allow_destroy=s.allow_destroy, noncurrent_version_days=s.noncurrent_version_days,
                                **extra).bucket

        # Ingress emits S3 events to EventBridge, which the pipeline routes to the receiver.
        self.ingress = bucket("Ingress", event_bridge=True)
        self.landing = bucket("Landing", expire_prefixes={QUARANTINE_PREFIX: s.quarantine_retention_days})
        # Staging emits events too: a staged object is what starts a zone's promotion.
        self.staging = bucket("Staging", event_bridge=True)
        self.ods = bucket("Ods")
        self.analytics = bucket("Analytics")
        self.athena_results = bucket("AthenaResults", expire_days=s.athena_results_days)
        self.artifacts = bucket("Artifacts")
        self.ledger = LedgerTable(self, "Ledger", key=self.key, allow_destroy=s.allow_destroy).table

        self.lake_formation = LakeFormationSettings(
            self, "LakeFormation", admins=s.env.lake_admins, data_buckets=self.data_buckets)

    @property
    def data_buckets(self) -> dict[str, s3.IBucket]:
        return {"ingress": self.ingress, "landing": self.landing, "staging": self.staging,
                "ods": self.ods, "analytics": self.analytics}
