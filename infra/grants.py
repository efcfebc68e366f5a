"""Least privilege between segments, in one place (the composer calls these).

Each segment reads its source layer and writes its target, nothing more:
  receiver      reads ingress                      writes landing (incl. _quarantine/ for unroutable)
  validator     reads landing                      writes staging, landing/_quarantine/
  validate_large (Glue, files too big for a Lambda) the validator's reach; the validator may start it
  sweep         the receiver's and the validator's reach together (it redoes what events missed)
  to_ods <Z>    reads staging/<Z>/                 writes ods/<Z>/
  projections   reads ods/<Z>/, analytics/<Z>/ and the tables published to <Z>; writes analytics/<Z>/
  approval      (manual datasets) records its task token and asks the zone's stewards, or completes it
                (each zone's own state machine) when the steward decided first; no data
  stewards <Z>  (a managed policy, manual datasets) decide on <Z>'s waiting ingests: record the
                decision, alert <Z>, complete the tokens of <Z>'s state machine
  erasure       (Glue: erase, vacuum) reads, rewrites and deletes where personal data may live:
                <Z>/ of every data layer for each zone holding PII, landing's _quarantine/<Z>/,
                _quarantine/_unroutable/ and _erasure/requests/ (lake/config/personal_data.py)
No other role deletes objects in a data layer. The receiver, validator, sweep and to_ods keep
platform records (runs, quality results, open alerts).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from infra import lf
from infra.access import (
    grant_catalog,
    grant_catalog_key,
    grant_ledger,
    grant_publish,
    grant_records,
    grant_s3,
    packed_s3_policies,
    s3_statements,
)
from infra.constructs.alerts_topic import alert_topic_name
from infra.constructs.pii_keys import PLATFORM as PII_PLATFORM
from infra.settings import catalog_prefix_of
from infra.stacks.pipeline import ERASURE_TEMP, PipelineStack
from infra.stacks.storage import QUARANTINE_PREFIX, StorageStack
from infra.stacks.zone import ZoneStack
from lake.backends.athena_records import PREFIX as PLATFORM_RECORDS
from lake.config import LakeConfig
from lake.config.personal_data import pii_zones

ICEBERG_LAYERS = ("ods", "analytics")


def pipeline(storage: StorageStack, p: PipelineStack, cfg: LakeConfig, prefix: str) -> None:
    receiver, validator, sweep = p.receiver.function, p.validator.function, p.sweep.function
    # Alerts: each zone's own topic (by name: the zone stacks come later) and the platform's.
    topics = [p.format_arn(service="sns", resource=alert_topic_name(prefix, z)) for z in sorted(cfg.zones)]
    for fn in (receiver, validator, sweep):
        grant_publish(fn, [p.alerts.topic_arn, *topics], storage.key)
    grant_s3(receiver, storage.ingress, read=True)
    grant_s3(receiver, storage.landing, write=True)
    grant_ledger(receiver, storage.ledger)
    grant_records(receiver, storage.records)
    grant_s3(receiver, storage.staging, prefixes=[PLATFORM_RECORDS], write=True)  # platform.runs for Athena

    # The big-file Glue job is the validator with a longer time limit: the same reach.
    big = p.validate_large.role
    for id, who in (("Validator", validator), ("ValidateLarge", big)):
        _validator_reach(p, id, who, storage)
    grant_publish(big, [p.alerts.topic_arn, *topics], storage.key)
    validator.add_to_role_policy(iam.PolicyStatement(
        actions=["glue:StartJobRun"],
        resources=[p.format_arn(service="glue", resource="job", resource_name=p.validate_large.job_name)]))

    # The sweep redoes what events missed, with the same code: the receiver's work (ingress ->
    # landing) and the validator's (landing -> staging or quarantine). It scans the ledger.
    grant_s3(sweep, storage.ingress, read=True)
    grant_s3(sweep, storage.landing, read=True, write=True)
    grant_s3(sweep, storage.staging, write=True)
    grant_ledger(sweep, storage.ledger, scan=True)
    grant_records(sweep, storage.records, delete=True)  # the freshness check closes recovered alerts

    if p.approval is not None:  # reads the ingest for the alert; records and reads approvals, any zone's
        approval = p.approval.function
        grant_ledger(approval, storage.ledger, read_only=True)
        grant_records(approval, storage.records, partitions=["approvals#*", "approval_requests#*"])
        grant_s3(approval, storage.staging, prefixes=[f"{PLATFORM_RECORDS}approvals/"], write=True)
        grant_publish(approval, [p.alerts.topic_arn, *topics], storage.key)


def erasure(storage: StorageStack, p: PipelineStack, cfg: LakeConfig, prefix: str) -> None:
    """The erasure jobs' role: the only one that deletes in a data layer, where personal data may live."""
    role = p.erasure_jobs.role
    # Ingress files are rewritten without the subject's rows; the erase job claims the new version
    # in the ledger first, so its Object Created event is a duplicate, not a new ingest.
    # Iceberg layers are replicated: a version delete would not reach the replica (S3 replicates
    # delete markers only), so there the role deletes objects and lifecycle expires the versions.
    # Managed policies, packed: with 50 zones the prefixes would overflow a role's inline policy.
    # The Iceberg layers of EVERY zone (the access proof's erasure drill denied them when only the zones
    # holding PII were granted): erase searches every zone's ODS tables for the value itself, rebuilds the
    # projections downstream of what it changed (in any zone: executive's read finance's) and removes
    # orphan files from every table. The raw layers: rewritten where personal data may live.
    reach = {layer: [f"{z}/" for z in sorted(cfg.zones)] if layer in ICEBERG_LAYERS else storage.pii_prefixes[layer]
             for layer in storage.data_buckets}
    packed_s3_policies(p, "ErasureData", role=role, description="Erasure: read, rewrite and delete personal data",
                       grants=[(bucket, reach[layer],
                                {"read": True, "write": True, "delete": True,
                                 "delete_versions": layer not in ICEBERG_LAYERS,
                                 "list_versions": layer not in ICEBERG_LAYERS})
                               for layer, bucket in storage.data_buckets.items() if reach[layer]])
    # Erase lists the raw layers whole (objects named after the subject, stray keys, every file it may
    # rewrite): a listing with no prefix, which no s3:prefix-conditioned statement allows. Keys only.
    raw = [b for layer, b in storage.data_buckets.items() if layer not in ICEBERG_LAYERS and reach[layer]]
    if raw:
        role.add_to_policy(iam.PolicyStatement(sid="ErasureListsRawLayers", actions=["s3:ListBucket"],
                                               resources=[b.bucket_arn for b in raw]))
    grant_s3(role, storage.artifacts, prefixes=[ERASURE_TEMP], read=True, write=True, delete=True)
    grant_ledger(role, storage.ledger, scan=True)  # every ingest: rewritten files, redacted reasons
    role.add_managed_policy(storage.writer_locks)  # erase and vacuum hold the zones' locks
    # platform.runs and platform.erasures; redaction overwrites items; the projections it rebuilds replace
    # their build records (DeleteItem: denied by the access proof on the erasure drill without it)
    grant_records(role, storage.records, delete=True)
    grant_s3(role, storage.staging, prefixes=[PLATFORM_RECORDS], read=True, write=True)  # ... and their objects
    storage.pii_keys.grant_read(role, [*pii_zones(cfg), PII_PLATFORM])  # hashed subjects; the audit's keyed hash
    topics = [p.format_arn(service="sns", resource=alert_topic_name(prefix, z)) for z in sorted(cfg.zones)]
    grant_publish(role, [p.alerts.topic_arn, *topics], storage.key)
    if not pii_zones(cfg):
        return
    zones = sorted(cfg.zones)  # every zone's tables: erase searches, rebuilds and sweeps them (above)
    # IAM names the layers' databases by pattern; the Lake Formation grants below scope it to the lake's zones.
    layers, ns = list(lf.READABLE_LAYERS), catalog_prefix_of(p)
    role.add_to_policy(iam.PolicyStatement(
        sid="ErasureCatalog",
        actions=["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:UpdateTable",
                 "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:UpdatePartition",
                 "glue:CreatePartition", "glue:BatchCreatePartition"],
        resources=[p.format_arn(service="glue", resource="catalog"),
                   *(p.format_arn(service="glue", resource="database", resource_name=f"{ns}*_{x}") for x in layers),
                   *(p.format_arn(service="glue", resource="table", resource_name=f"{ns}*_{x}/*") for x in layers)]))
    grant_catalog_key(role, storage.key)
    arn = role.role_arn
    lf.tag_policy_grant(p, "ErasureDatabases", principal=arn, resource_type="DATABASE",
                        expression={lf.ZONE: zones, lf.LAYER: layers}, permissions=["DESCRIBE"])
    lf.tag_policy_grant(p, "ErasureTables", principal=arn, resource_type="TABLE",
                        expression={lf.ZONE: zones, lf.LAYER: layers, lf.SENSITIVITY: [lf.PII, lf.GENERAL]},
                        permissions=list(lf.WRITE))


def _validator_reach(p: PipelineStack, id: str, who: iam.IGrantable, storage: StorageStack) -> None:
    """landing -> staging, or quarantine; staged files become partitions of <zone>_staging.*"""
    grant_s3(who, storage.landing, read=True)
    grant_s3(who, storage.landing, prefixes=[QUARANTINE_PREFIX], write=True)
    grant_s3(who, storage.staging, write=True)
    grant_ledger(who, storage.ledger)
    grant_records(who, storage.records, delete=True)  # the validator closes alerts of recovered tables
    ns = catalog_prefix_of(p)
    who.grant_principal.add_to_principal_policy(iam.PolicyStatement(
        actions=["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition",
                 "glue:CreatePartition", "glue:BatchCreatePartition"],
        resources=[p.format_arn(service="glue", resource="catalog"),
                   p.format_arn(service="glue", resource="database", resource_name=f"{ns}*_staging"),
                   p.format_arn(service="glue", resource="table", resource_name=f"{ns}*_staging/*")]))
    grant_catalog_key(who, storage.key)
    arn = who.grant_principal.role_arn  # type: ignore[attr-defined]
    lf.tag_policy_grant(p, f"{id}StagingDatabases", principal=arn, resource_type="DATABASE",
                        expression={lf.LAYER: ["staging"]}, permissions=["CREATE_TABLE", "DESCRIBE"])
    lf.tag_policy_grant(p, f"{id}StagingTables", principal=arn, resource_type="TABLE",
                        expression={lf.LAYER: ["staging"], lf.SENSITIVITY: [lf.PII, lf.GENERAL]},
                        permissions=["SELECT", "INSERT", "ALTER", "DESCRIBE"])
    lf.location_grant(p, f"{id}StagingLocation", principal=arn, location_arn=storage.staging.bucket_arn)


def zone(storage: StorageStack, z: ZoneStack, cfg: LakeConfig) -> None:
    name = z.zone.name
    own = f"{name}/"
    temp = f"glue-temp/{name}/"
    if z.to_ods is not None:
        role = z.to_ods.role
        grant_s3(role, storage.staging, prefixes=[own], read=True)
        grant_s3(role, storage.ods, prefixes=[own], read=True, write=True)
        grant_s3(role, storage.artifacts, prefixes=[temp], read=True, write=True, delete=True)
        grant_ledger(role, storage.ledger)
        role.add_managed_policy(storage.writer_locks)  # the zone's lock while it commits
        # its run, quality results and alerts (closing recovered ones); reads approvals
        _task_records(storage, z, role)
        storage.pii_keys.grant_read(role, [name])  # its own zone's PII key, no other
        grant_catalog(role, z, databases=[f"{name}_ods"], write=True)
        grant_catalog_key(role, storage.key)
        _job_grants(z, "ToOds", role.role_arn, write_layer="ods", read_layers=["ods"],
                    location=f"{storage.ods.bucket_arn}/{name}")
    if z.projections is not None:
        role = z.projections.role
        grant_s3(role, storage.ods, prefixes=[own], read=True)
        grant_s3(role, storage.analytics, prefixes=[own], read=True, write=True)
        grant_s3(role, storage.artifacts, prefixes=[temp], read=True, write=True, delete=True)
        tables = cfg.all_tables()
        for table in z.shared_in:  # exactly the tables published to this zone
            publisher, layer = tables[table].name, table.split(".")[0].rsplit("_", 1)[1]
            bucket = {"staging": storage.staging, "ods": storage.ods, "analytics": storage.analytics}[layer]
            grant_s3(role, bucket, prefixes=[f"{publisher}/{table.split('.')[1]}/"], read=True)
        _task_records(storage, z, role)  # a run per projection, its alerts (closing recovered ones)
        role.add_managed_policy(storage.writer_locks)  # the zone's lock while it builds
        grant_catalog(role, z, databases=[f"{name}_analytics"], write=True)
        grant_catalog(role, z, databases=[f"{name}_ods"], tables=z.shared_in, write=False)
        grant_catalog_key(role, storage.key)
        _job_grants(z, "Projections", role.role_arn, write_layer="analytics", read_layers=["ods", "analytics"],
                    location=f"{storage.analytics.bucket_arn}/{name}")
        if z.readers.shared_tag is not None:
            g = lf.tag_policy_grant(z, "ProjectionsShared", principal=role.role_arn, resource_type="TABLE",
                                    expression={lf.shared_with(name): [lf.SHARED_VALUE],
                                                lf.SENSITIVITY: [lf.GENERAL]}, permissions=lf.READ)
            g.node.add_dependency(z.readers.shared_tag)
    if z.stewards is not None:
        _steward_grants(storage, z)
    if z.workflow.approval is not None and z.workflow.approval.role is not None:
        # The approval function completes a token at once when the steward decided first: this
        # zone's tokens only, from this stack (the pipeline stack cannot name the state machine).
        iam.Policy(z, "ApprovalTaskResponse", roles=[z.workflow.approval.role], statements=[_task_response(z)])


def _task_records(storage: StorageStack, z: ZoneStack, role: iam.IGrantable) -> None:
    """What a zone job's task records itself: runs and alerts (DynamoDB, the objects Athena reads)
    and the alerts it publishes, to every zone downstream and the platform."""
    grant_records(role, storage.records, delete=True)
    grant_s3(role, storage.staging, prefixes=[PLATFORM_RECORDS], write=True)
    grant_publish(role, z.alert_topics, storage.key)


def _steward_grants(storage: StorageStack, z: ZoneStack) -> None:
    """`lake approve`/`reject` on AWS: list the zone's waiting ingests (ledger), record the decision
    and read the zone's approval requests (its items only), tell the zone, resume its promotions."""
    name, policy = z.zone.name, z.stewards
    assert policy is not None
    grant_ledger(policy, storage.ledger, read_only=True)
    grant_records(policy, storage.records, partitions=[f"approvals#{name}", f"approval_requests#{name}"])
    policy.add_statements(*s3_statements(storage.staging, prefixes=[f"{PLATFORM_RECORDS}approvals/zone={name}/"],
                                         write=True))
    grant_publish(policy, [z.alerts.topic_arn], storage.key)
    policy.add_statements(_task_response(z))


def _task_response(z: ZoneStack) -> iam.PolicyStatement:
    """Complete the task tokens of the zone's state machine. Tokens of a service integration are
    authorized against the state machine's ARN (as CDK's grantTaskResponse does); no heartbeats."""
    return iam.PolicyStatement(actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                               resources=[z.workflow.state_machine.state_machine_arn])


def _job_grants(z: ZoneStack, id: str, principal: str, *, write_layer: str, read_layers: list[str],
                location: str) -> None:
    name = z.zone.name
    every = {lf.SENSITIVITY: [lf.PII, lf.GENERAL]}  # jobs see every column of their own zone
    lf.tag_policy_grant(z, f"{id}Database", principal=principal, resource_type="DATABASE",
                        expression={lf.ZONE: [name], lf.LAYER: [write_layer]}, permissions=["CREATE_TABLE", "DESCRIBE"])
    lf.tag_policy_grant(z, f"{id}WriteTables", principal=principal, resource_type="TABLE",
                        expression={lf.ZONE: [name], lf.LAYER: [write_layer], **every},
                        permissions=[*lf.WRITE, "DROP"])
    others = [layer for layer in read_layers if layer != write_layer]
    if others:
        lf.tag_policy_grant(z, f"{id}ReadTables", principal=principal, resource_type="TABLE",
                            expression={lf.ZONE: [name], lf.LAYER: others, **every}, permissions=lf.READ)
    lf.location_grant(z, f"{id}Location", principal=principal, location_arn=location)
