"""Compose the lake: read the settings and the zone config, create the stacks, pass
construct objects between them, and grant in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import App
from aws_cdk import Environment as CdkEnvironment

from infra import nag
from infra.settings import Settings, load_settings
from infra.stacks.storage import StorageStack
from infra.stacks.zone import ZoneStack
from lake.config import LakeConfig, load_config


@dataclass
class Lake:
    settings: Settings
    cfg: LakeConfig
    storage: StorageStack
    zones: dict[str, ZoneStack] = field(default_factory=dict)


def stack_name(settings: Settings, *parts: str) -> str:
    return "-".join([settings.prefix, *(p.replace("_", "-") for p in parts)])


def build(app: App, *, cfg: LakeConfig | None = None, settings: Settings | None = None) -> Lake:
    settings = settings or load_settings(app)
    cfg = cfg or load_config(settings.zones_dir)  # raises ConfigError: bad config fails synth
    env = CdkEnvironment(account=settings.env.account, region=settings.env.region)

    storage = StorageStack(app, "Storage", stack_name=stack_name(settings, "Storage"), env=env,
                           settings=settings, description="Insight Lake storage: key, buckets, ledger, Lake Formation")
    lake = Lake(settings, cfg, storage)
    for name, zone in cfg.zones.items():
        lake.zones[name] = ZoneStack(app, f"Zone-{name}", stack_name=stack_name(settings, "Zone", name), env=env,
                                     zone=zone, cfg=cfg, storage=storage,
                                     description=f"Insight Lake zone '{name}': catalog, grants, workgroup, alerts")
    nag.enable(app)
    nag.acknowledge(lake)
    return lake
