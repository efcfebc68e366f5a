"""One stack per insight zone, generated from ``insight_zones/<zone>/``: its Glue databases
and LF-tags, who may read and write it, its Athena workgroup, its alerts topic, and its own
pipeline (Glue jobs and the promotion state machine, with roles scoped to the zone), and for a
zone with ``promotion: manual`` datasets the policy its stewards need to decide on AWS."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.alerts_topic import AlertsTopic, alert_topic_name
from infra.constructs.dead_letter_queue import DeadLetterQueue
from infra.constructs.freshness_alarms import FreshnessAlarms
from infra.constructs.glue_job import LakeGlueJob, python_modules
from infra.constructs.glue_security import GlueSecurity
from infra.constructs.platform_records import ZoneRecordFilters
from infra.constructs.producer_access import ProducerAccess
from infra.constructs.promotion_workflow import TABLES_UPDATED, PromotionWorkflow, event_source
from infra.constructs.zone_databases import ZoneDatabases
from infra.constructs.zone_readers import ZoneReaders
from infra.constructs.zone_workgroup import ZoneWorkgroup
from infra.principals import imported_role, is_sso_role, principal_arn
from infra.settings import Settings
from infra.stacks.pipeline import SCHEDULES, PipelineStack, object_created
from infra.stacks.storage import StorageStack
from lake.config import LakeConfig, Zone


class ZoneStack(Stack):
    def __init__(self, scope: Construct, id: str, *, zone: Zone, cfg: LakeConfig, settings: Settings,
                 storage: StorageStack, pipeline: PipelineStack, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.zone = zone
        spec, name, mapping = zone.spec, zone.name, settings.principal_map
        self.shared_in = sorted(t for t in cfg.readable_by(name) if cfg.all_tables()[t].name != name)
        self.published = sorted({p.table for p in spec.publish})

        self.catalog = ZoneDatabases(
            self, "Databases", zone=name, description=spec.description,
            buckets={"staging": storage.staging, "ods": storage.ods, "analytics": storage.analytics})
        self.readers = ZoneReaders(
            self, "Readers", zone=name, receives_shares=bool(self.shared_in),
            governor=pipeline.governor.function.role.role_arn,
            readers=[principal_arn(self, r, mapping) for r in spec.readers],
            pii_readers=[principal_arn(self, r, mapping) for r in spec.pii_readers])
        # The zone's own rows of platform.runs, quality_results, approvals, erasures.
        self.record_filters = ZoneRecordFilters(
            self, "PlatformRecords", zone=name,
            readers=[principal_arn(self, r, mapping) for r in sorted({*spec.readers, *spec.pii_readers})])
        # The tasks alert every zone downstream of a table, and the platform: the topics by name.
        self.alert_topics = [*(self.format_arn(service="sns", resource=alert_topic_name(settings.prefix, z))
                               for z in sorted(cfg.zones)), pipeline.alerts.topic_arn]
        # Identity Center's roles get nothing attached: their permission sets reference the policies
        # by name (README "Deploy prerequisites"); Lake Formation grants reach them all the same.
        reader_roles = [imported_role(self, f"Reader-{r}", r, mapping)
                        for r in sorted(set(spec.readers) | set(spec.pii_readers))
                        if not is_sso_role(principal_arn(self, r, mapping))]
        self.workgroup = ZoneWorkgroup(
            self, "Athena", zone=name, name=f"{settings.prefix}-{name}", results=storage.athena_results,
            key=storage.key, bytes_scanned_cutoff=settings.athena_bytes_scanned_cutoff,
            shared_tables=self.shared_in, readers=reader_roles)
        self.producers = (ProducerAccess(
            self, "Producers", zone=name, ingress=storage.ingress, policy_name=f"{settings.prefix}-{name}-producers",
            producers=[imported_role(self, f"Producer-{p}", p, mapping) for p in sorted(set(spec.producers))
                       if not is_sso_role(principal_arn(self, p, mapping))])
            if spec.producers else None)
        self.alerts = AlertsTopic(self, "Alerts", key=storage.key, display_name=f"Insight zone {name}",
                                  emails=[p.email for p in [*spec.owners, *spec.stewards]],
                                  topic_name=alert_topic_name(settings.prefix, name),
                                  dlq_alarm_topic=pipeline.alerts).topic
        self.event_dlq = DeadLetterQueue(self, "EventTargetDeadLetters", key=storage.key, alarm_topic=pipeline.alerts,
                                         what=f"Events for zone {name} EventBridge could not deliver")
        self.freshness = FreshnessAlarms(self, "Freshness", zone=zone, topic=self.alerts,
                                         sweep_every=SCHEDULES["Freshness"])

        self.glue_security = GlueSecurity(self, "GlueSecurity", key=storage.key, name=f"{settings.prefix}-{name}")
        def job(id: str, script: str, description: str, max_concurrent_runs: int = 1) -> LakeGlueJob:
            return LakeGlueJob(
                self, id, script=script, description=description, key=storage.key,
                security_configuration=self.glue_security.configuration.ref, python_modules=python_modules(),
                temp_dir=f"s3://{storage.artifacts.bucket_name}/glue-temp/{name}/",
                arguments={"--zone": name, "--ledger_table": storage.ledger.table_name,
                           "--records_table": storage.records.table_name,
                           "--staging_bucket": storage.staging.bucket_name,
                           "--pii_key_secrets": storage.pii_keys.secrets_json([name]),
                           # the tasks alert through SNS (lake.backends.aws_alerts), as the Lambdas do
                           "--alert_topic_arn_pattern": self.format_arn(
                               service="sns", resource=alert_topic_name(settings.prefix, "{zone}")),
                           "--platform_alert_topic_arn": pipeline.alerts.topic_arn},
                max_concurrent_runs=max_concurrent_runs)

        self.to_ods = (job("ToOds", "glue_jobs/to_ods/job.py",
                           f"Promote staged {name} data into {name}_ods (Iceberg MERGE)", max(1, len(zone.datasets)))
                       if zone.datasets else None)
        self.projections = (job("Projections", "glue_jobs/projections/job.py",
                                f"Rebuild {name}_analytics projections in DAG order")
                            if zone.projections else None)
        # Datasets whose contract says `promotion: manual`: their promotions wait for a steward.
        self.manual = sorted(n for n, ds in zone.datasets.items() if ds.options.promotion == "manual")
        approval = pipeline.approval.function if self.manual and pipeline.approval else None
        if self.manual and approval is None:
            raise ValueError(f"zone {name} has manual datasets: the pipeline stack needs approvals=True")
        self.workflow = PromotionWorkflow(self, "Promotion", zone=name, key=storage.key, topic=self.alerts,
                                          to_ods=self.to_ods, projections=self.projections,
                                          published_tables=self.published, manual_datasets=self.manual,
                                          ledger=storage.ledger, name=f"{settings.prefix}-{name}-promotion",
                                          approval=approval)
        # `lake approve`/`reject` on AWS: attach to the role the zone's stewards use (granted in infra/grants.py).
        self.stewards = (iam.ManagedPolicy(self, "StewardApprovals",
                                           description=f"Decide on waiting promotions of insight zone '{name}'")
                         if self.manual else None)
        if self.stewards is not None:
            CfnOutput(self, "StewardPolicyArn", value=self.stewards.managed_policy_arn,
                      description=f"Attach to the role of zone {name}'s stewards for `lake approve`/`reject`")
        if self.to_ods is not None:
            self.workflow.trigger("OnStaged", description=f"A staged object of zone {name} starts its promotion",
                                  pattern=object_created(storage.staging.bucket_name, key=[{"prefix": f"{name}/"}]),
                                  dead_letters=self.event_dlq.queue)
        if self.projections is not None and self.shared_in:
            self.workflow.trigger("OnUpstream", description=f"Tables published to {name} changed: rebuild",
                                  pattern=events.EventPattern(source=[event_source(self)], detail_type=[TABLES_UPDATED],
                                                              detail={"tables": self.shared_in}),
                                  dead_letters=self.event_dlq.queue)
        failed = cloudwatch.Alarm(
            self, "PromotionFailedAlarm", alarm_description=f"A promotion of zone {name} failed",
            metric=self.workflow.state_machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
            threshold=0, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        failed.add_alarm_action(actions.SnsAction(self.alerts))
        failed.add_alarm_action(actions.SnsAction(pipeline.alerts))
