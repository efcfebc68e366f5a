"""Pipeline (shared, stateless): S3 events -> EventBridge -> SQS -> the receiver and validator
Lambdas; the scheduled reconcile sweep and freshness check; the platform alerts topic every
alarm reports to; erasure (right to be forgotten), which spans every zone; and, when some
dataset's promotion is manual, the approval Lambda the zones' promotion state machines wait on.

Zone-specific orchestration (Glue jobs, the promotion state machine) lives in the zone stacks,
so that no role of one zone's pipeline can touch another zone's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from infra import lambda_deps
from infra.constructs.alerts_topic import AlertsTopic, alert_topic_name
from infra.constructs.dead_letter_queue import DeadLetterQueue
from infra.constructs.erasure_jobs import ErasureJobs
from infra.constructs.erasure_submitters import ErasureSubmitters
from infra.constructs.erasure_workflow import ErasureWorkflow
from infra.constructs.glue_job import LakeGlueJob, python_modules
from infra.constructs.glue_security import GlueSecurity
from infra.constructs.ingest_queue import IngestQueue
from infra.constructs.lake_code import LakeCode
from infra.constructs.lake_function import LakeFunction
from infra.constructs.pii_keys import PLATFORM as PII_PLATFORM
from infra.constructs.promotion_operators import PromotionOperators
from infra.governance.construct import CatalogGovernor
from infra.settings import Settings
from infra.stacks.storage import StorageStack
from lake.config.personal_data import ERASURE_REQUESTS
from lake.ingest import big_files

ERASURE_TEMP = "glue-temp/erasure/"
RECEIVER_TIMEOUT = Duration.minutes(5)
VALIDATOR_TIMEOUT = Duration.minutes(15)
SWEEP_TIMEOUT = Duration.minutes(15)
APPROVAL_TIMEOUT = Duration.minutes(1)
SCHEDULES = {"Reconcile": Duration.hours(1), "Freshness": Duration.hours(1)}
# Zone names start with a letter (lake/config): a key starting with "_" is the platform's own
# (quarantine copies and reports, erasure requests), never a landed file to validate.
PLATFORM_KEYS = "_"


def object_created(bucket_name: str, **object_filter: Any) -> events.EventPattern:
    detail: dict[str, Any] = {"bucket": {"name": [bucket_name]}}
    if object_filter:
        detail["object"] = object_filter
    return events.EventPattern(source=["aws.s3"], detail_type=["Object Created"], detail=detail)


class PipelineStack(Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, storage: StorageStack,
                 erasure_zones: Sequence[str], approvals: bool = False, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        key = storage.key
        self.alerts = AlertsTopic(self, "PlatformAlerts", key=key, display_name="Insight Lake platform alerts",
                                  emails=settings.env.platform_alert_emails,
                                  topic_name=alert_topic_name(settings.prefix, "platform")).topic
        self.code = LakeCode(self, "Code", settings=settings,
                             powertools_version=lambda_deps.pinned()["aws-lambda-powertools"])
        # EventBridge could not deliver to a target (throttled, deleted, no permission): keep the event.
        self.event_dlq = DeadLetterQueue(self, "EventTargetDeadLetters", key=key, alarm_topic=self.alerts,
                                         what="Events EventBridge could not deliver")
        environment = {
            "LAKE_BACKEND": "aws",
            "INGRESS_BUCKET": storage.ingress.bucket_name,
            "LANDING_BUCKET": storage.landing.bucket_name,
            "STAGING_BUCKET": storage.staging.bucket_name,
            "LEDGER_TABLE": storage.ledger.table_name,
            "RECORDS_TABLE": storage.records.table_name,
            # lake.backends.aws_alerts.SnsAlerts: a zone's alerts go to its own topic.
            "ALERT_TOPIC_ARN_PATTERN": self.format_arn(service="sns",
                                                       resource=alert_topic_name(settings.prefix, "{zone}")),
            "PLATFORM_ALERT_TOPIC_ARN": self.alerts.topic_arn,
        }

        def segment(name: str, handler: str, timeout: Duration, description: str,
                    tmp_mib: int = 512) -> tuple[LakeFunction, IngestQueue]:
            queue = IngestQueue(self, f"{name}Queue", key=key, consumer_timeout=timeout, alarm_topic=self.alerts)
            fn = LakeFunction(self, name, code=self.code, handler=handler, description=description, key=key,
                              environment=environment, dead_letters=queue.dlq, alarm_topic=self.alerts,
                              timeout=timeout, tmp_mib=tmp_mib)
            # One bad object must not retry the nine good ones of its batch.
            fn.function.add_event_source(sources.SqsEventSource(
                queue.queue, batch_size=10, max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True, max_concurrency=fn.concurrency))
            return fn, queue

        self.receiver, self.receiver_queue = segment(
            "Receiver", "lambdas.receiver.handler.handler", RECEIVER_TIMEOUT,
            "Ingress object -> byte-exact landing copy + ledger claim")
        # The validator's /tmp holds the largest file it validates itself, and what it writes beside it;
        # the threshold it is sized for is the one it routes by (bigger files go to the Glue job).
        self.validator, self.validator_queue = segment(
            "Validator", "lambdas.validator.handler.handler", VALIDATOR_TIMEOUT,
            "Landing object -> typed Parquet in staging, or quarantine with a report",
            tmp_mib=big_files.lambda_scratch_mib(big_files.DEFAULT_THRESHOLD))
        self.validator.function.add_environment("INGEST_GLUE_THRESHOLD_BYTES", str(big_files.DEFAULT_THRESHOLD))

        # Files too big for a Lambda go to a Glue job that runs the same validation code
        # (lake.ingest.big_files decides; the validator starts the job and moves on).
        self.glue_security = GlueSecurity(self, "GlueSecurity", key=key, name=f"{settings.prefix}-pipeline")
        self.validate_large = LakeGlueJob(
            self, "ValidateLarge", script="glue_jobs/validate_large/job.py", key=key,
            description="Validate one landed file too big for the validator Lambda (same code, streamed)",
            security_configuration=self.glue_security.configuration.ref, python_modules=python_modules(),
            temp_dir=f"s3://{storage.artifacts.bucket_name}/glue-temp/pipeline/", max_concurrent_runs=10,
            timeout_minutes=240,
            arguments={f"--{k.lower()}": v for k, v in environment.items()
                       if k in ("LEDGER_TABLE", "RECORDS_TABLE", "INGRESS_BUCKET", "LANDING_BUCKET", "STAGING_BUCKET",
                                "ALERT_TOPIC_ARN_PATTERN", "PLATFORM_ALERT_TOPIC_ARN")})
        self.validator.function.add_environment("GLUE_VALIDATE_JOB", self.validate_large.job_name)

        events.Rule(self, "IngressObjectCreated", description="Every new ingress object goes to the receiver",
                    event_pattern=object_created(storage.ingress.bucket_name),
                    targets=[targets.SqsQueue(self.receiver_queue.queue, dead_letter_queue=self.event_dlq.queue)])
        events.Rule(self, "LandingObjectCreated",
                    description="Every landed copy (no quarantine artefact, no erasure request) goes to the validator",
                    event_pattern=object_created(storage.landing.bucket_name,
                                                 key=[{"anything-but": {"prefix": PLATFORM_KEYS}}]),
                    targets=[targets.SqsQueue(self.validator_queue.queue, dead_letter_queue=self.event_dlq.queue)])

        # The sweep re-drives what events missed (reconcile) and reports stale datasets
        # against their freshness SLA; both are the same function with a different task.
        sweep_dlq = DeadLetterQueue(self, "SweepDeadLetters", key=key, alarm_topic=self.alerts,
                                    what="Scheduled sweep invocations")
        self.sweep = LakeFunction(self, "Sweep", code=self.code, handler="lambdas.sweep.handler.handler",
                                  description="Reconcile sweep and freshness check (scheduled)", key=key,
                                  environment=environment, dead_letters=sweep_dlq.queue, alarm_topic=self.alerts,
                                  timeout=SWEEP_TIMEOUT, concurrency=2)
        for task, every in SCHEDULES.items():
            events.Rule(self, f"{task}Schedule", description=f"{task} every {every.to_human_string()}",
                        schedule=events.Schedule.rate(every),
                        targets=[targets.LambdaFunction(
                            self.sweep.function, retry_attempts=2, dead_letter_queue=sweep_dlq.queue,
                            event=events.RuleTargetInput.from_object({"task": task.lower()}))])

        # The freshness alarms ignore missing data (a dataset not loaded yet is not stale), so a sweep
        # that stopped (schedule disabled, function gone) must alarm on its own: every hour it runs
        # twice; no invocation in two hours is an alarm, and missing data here is breaching.
        self.sweep_stopped = cloudwatch.Alarm(
            self, "SweepStoppedAlarm", alarm_description="The scheduled sweep (reconcile, freshness) stopped running",
            metric=self.sweep.function.metric_invocations(period=Duration.hours(1), statistic="Sum"),
            threshold=1, comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=2, datapoints_to_alarm=2, treat_missing_data=cloudwatch.TreatMissingData.BREACHING)
        self.sweep_stopped.add_alarm_action(actions.SnsAction(self.alerts))

        governor_dlq = DeadLetterQueue(self, "GovernorDeadLetters", key=key, alarm_topic=self.alerts,
                                       what="Catalog governor invocations")
        self.governor = CatalogGovernor(self, "CatalogGovernor", code=self.code, key=key, alarm_topic=self.alerts,
                                        dead_letters=governor_dlq.queue)

        # Promotions of `promotion: manual` datasets wait on a task token this function records
        # (lake.approvals.request); Step Functions invokes it synchronously, the queue is cdk-nag's due.
        self.approval: LakeFunction | None = None
        if approvals:
            approval_dlq = DeadLetterQueue(self, "ApprovalDeadLetters", key=key, alarm_topic=self.alerts,
                                           what="Approval requests")
            self.approval = LakeFunction(
                self, "Approval", code=self.code, handler="lambdas.approval.handler.handler", key=key,
                description="A manual dataset's promotion waits: record its task token, ask the zone's stewards",
                environment=environment, dead_letters=approval_dlq.queue, alarm_topic=self.alerts,
                timeout=APPROVAL_TIMEOUT, memory_mb=512, concurrency=5)

        # Erasure: a Step Functions execution per request, Glue jobs with the only role that may
        # delete lake data (its reach: infra/grants.py). Requests come from `lake forget --target aws`.
        backend = {f"--{k.lower()}": v for k, v in environment.items()
                   if k in ("LEDGER_TABLE", "RECORDS_TABLE", "INGRESS_BUCKET", "LANDING_BUCKET", "STAGING_BUCKET",
                            "ALERT_TOPIC_ARN_PATTERN", "PLATFORM_ALERT_TOPIC_ARN")}
        self.erasure_jobs = ErasureJobs(
            self, "ErasureJobs", key=key, security_configuration=self.glue_security.configuration.ref,
            temp_dir=f"s3://{storage.artifacts.bucket_name}/{ERASURE_TEMP}", zones=erasure_zones,
            arguments={**backend, "--pii_key_secrets": storage.pii_keys.secrets_json([*erasure_zones, PII_PLATFORM])})
        self.erasure = ErasureWorkflow(self, "Erasure", jobs=self.erasure_jobs, key=key, topic=self.alerts)
        admin_roles = [a for a in settings.env.lake_admins if ":role/" in a]
        self.erasure_submitters = ErasureSubmitters(
            self, "ErasureSubmitters", state_machine=self.erasure.state_machine, landing=storage.landing,
            roles=admin_roles, policy_name=f"{settings.prefix}-erasure-submitters")
        self.promotion_operators = PromotionOperators(
            self, "PromotionOperators", prefix=settings.prefix, roles=admin_roles,
            policy_name=f"{settings.prefix}-promotion-operators")
        CfnOutput(self, "PromotionOperatorPolicyArn", value=self.promotion_operators.policy.managed_policy_arn,
                  description="Attach to a platform operator role to let it redrive failed promotions")
        # What `lake forget --target aws` needs (lake/erasure/aws.py reads these outputs or the same
        # names from the environment).
        CfnOutput(self, "ErasureStateMachineArn", value=self.erasure.state_machine.state_machine_arn,
                  description="LAKE_ERASURE_STATE_MACHINE_ARN: the erasure workflow")
        CfnOutput(self, "LandingBucketName", value=storage.landing.bucket_name,
                  description=f"LANDING_BUCKET: erasure requests go under {ERASURE_REQUESTS}")
        CfnOutput(self, "ErasureSubmitterPolicyArn", value=self.erasure_submitters.policy.managed_policy_arn,
                  description="Attach to a platform operator role to let it submit erasures")
