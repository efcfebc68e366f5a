"""The composed lake: its settings, its zone config and its stacks (built by ``infra.composer``,
read by ``infra.nag``, ``infra.grants`` and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Stack

from infra.settings import Settings
from infra.stacks.pipeline import PipelineStack
from infra.stacks.replica import ReplicaStack
from infra.stacks.storage import StorageStack
from infra.stacks.zone import ZoneStack
from lake.config import LakeConfig


@dataclass
class Lake:
    settings: Settings
    cfg: LakeConfig
    storage: StorageStack
    pipeline: PipelineStack
    zones: dict[str, ZoneStack] = field(default_factory=dict)
    replica: ReplicaStack | None = None

    @property
    def stacks(self) -> list[Stack]:
        return [self.storage, self.pipeline, *self.zones.values(), *([self.replica] if self.replica else [])]
