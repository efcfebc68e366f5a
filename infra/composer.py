"""Compose the lake: read the settings and the zone config, create the stacks, pass
construct objects between them, and grant in one place."""

from __future__ import annotations

from aws_cdk import App
from aws_cdk import Environment as CdkEnvironment

from infra import grants, nag
from infra.lake import Lake
from infra.settings import Settings, load_settings
from infra.stacks.pipeline import PipelineStack
from infra.stacks.replica import ReplicaStack
from infra.stacks.storage import StorageStack
from infra.stacks.zone import ZoneStack
from lake.config import LakeConfig, load_config
from lake.config.personal_data import pii_prefixes, pii_zones


def principal_arn_literal(settings: Settings, name: str) -> str:
    name = settings.principal_map.get(name, name)
    return name if name.startswith("arn:") else f"arn:aws:iam::{settings.env.account}:role/{name}"


def stack_name(settings: Settings, *parts: str) -> str:
    return "-".join([settings.prefix, *(p.replace("_", "-") for p in parts)])


def build(app: App, *, cfg: LakeConfig | None = None, settings: Settings | None = None) -> Lake:
    settings = settings or load_settings(app)
    cfg = cfg or load_config(settings.zones_dir)  # raises ConfigError: bad config fails synth
    env = CdkEnvironment(account=settings.env.account, region=settings.env.region)

    principals = {n for z in cfg.zones.values() for n in [*z.spec.producers, *z.spec.readers, *z.spec.pii_readers]}
    pii = pii_prefixes(cfg)  # where personal data may live: erasure's reach, fast-expiring old versions
    storage = StorageStack(app, "Storage", stack_name=stack_name(settings, "Storage"), env=env,
                           settings=settings, zones=sorted(cfg.zones), pii_prefixes=pii, pii_zones=pii_zones(cfg),
                           zone_principals=[principal_arn_literal(settings, n) for n in sorted(principals)],
                           description="Insight Lake storage: key, buckets, ledger, Lake Formation, backups")
    manual = any(ds.options.promotion == "manual" for z in cfg.zones.values() for ds in z.datasets.values())
    pipeline = PipelineStack(app, "Pipeline", stack_name=stack_name(settings, "Pipeline"), env=env,
                             settings=settings, storage=storage, approvals=manual,
                             erasure_zones=pii_zones(cfg),
                             description="Insight Lake pipeline: S3 events, queues, receiver/validator, sweep, "
                                         "erasure")
    replica = None
    if settings.replication_region:
        replica = ReplicaStack(app, "Replica", stack_name=stack_name(settings, "Replica"),
                               env=CdkEnvironment(account=settings.env.account, region=settings.replication_region),
                               settings=settings, pii_prefixes={k: pii[k] for k in ("ods", "analytics")},
                               description="Insight Lake replicas of ODS and analytics")
        storage.replicate_to(replica)
    grants.pipeline(storage, pipeline, cfg, settings.prefix)
    grants.erasure(storage, pipeline, cfg, settings.prefix)
    lake = Lake(settings, cfg, storage, pipeline, replica=replica)
    for name, zone in cfg.zones.items():
        z = ZoneStack(app, f"Zone-{name}", stack_name=stack_name(settings, "Zone", name), env=env,
                      zone=zone, cfg=cfg, settings=settings, storage=storage, pipeline=pipeline,
                      description=f"Insight Lake zone '{name}': catalog, grants, workgroup, alerts, pipeline")
        grants.zone(storage, z, cfg)
        lake.zones[name] = z
    nag.enable(app)
    nag.acknowledge(lake)
    return lake
