"""One stack per insight zone, generated from ``insight_zones/<zone>/``."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from infra.constructs.zone_databases import ZoneDatabases
from infra.stacks.storage import StorageStack
from lake.config import LakeConfig, Zone


class ZoneStack(Stack):
    def __init__(self, scope: Construct, id: str, *, zone: Zone, cfg: LakeConfig, storage: StorageStack,
                 **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.zone = zone
        self.catalog = ZoneDatabases(
            self, "Databases", zone=zone.name, description=zone.spec.description,
            buckets={"staging": storage.staging, "ods": storage.ods, "analytics": storage.analytics})
