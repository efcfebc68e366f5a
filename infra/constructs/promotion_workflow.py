"""A zone's promotion: staged data -> ``to_ods`` -> the zone's projections (in DAG order,
inside the job) -> "Tables Updated" for the zones that read what this zone publishes.

Started by a staged object of the zone (S3 -> EventBridge) or by an upstream zone's
"Tables Updated" event (projections only). Promotions of one table are serialized and coalesced
(``CoalescedPromotion``): a burst of files makes a handful of ``to_ods`` runs. Glue tasks retry on
concurrency limits and transient errors; any failure publishes to the zone's alerts topic and fails the execution
(an alarm on failed executions reaches the platform too).

A staged object of a ``promotion: manual`` dataset first waits for a steward: the approval
Lambda gets a task token (``.waitForTaskToken``) that ``lake approve`` completes (promote) or
``lake reject`` fails with ``Rejected`` (the execution succeeds with nothing to promote). After
``APPROVAL_WAIT`` the stewards are alerted and the execution ends; the ingest still waits, and
the dataset's next promotion takes it once approved. Such zones' executions may run that long.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.access import grant_publish
from infra.constructs.glue_job import LakeGlueJob
from infra.constructs.promotion_coalescing import CoalescedPromotion, fields
from infra.settings import catalog_prefix_of

EVENT_SOURCE = "insight-lake"


def event_source(scope: Construct) -> str:
    """The source of the lake's own events: a stage sharing its account and region (and so its default
    event bus) with another announces under its catalog namespace, so neither rebuilds on the other's."""
    prefix = catalog_prefix_of(scope)
    return f"{EVENT_SOURCE}.{prefix.rstrip('_')}" if prefix else EVENT_SOURCE
TABLES_UPDATED = "Tables Updated"
RUN_TIMEOUT = Duration.hours(6)  # an execution that promotes and rebuilds
APPROVAL_WAIT = Duration.days(7)  # how long a promotion waits for a steward's decision
REJECTED = "Rejected"  # lake.approvals.REJECTED: the error `lake reject` fails the task token with


class PromotionWorkflow(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, key: kms.IKey, topic: sns.ITopic,
                 to_ods: LakeGlueJob | None, projections: LakeGlueJob | None,
                 published_tables: Sequence[str], ledger: dynamodb.ITable, name: str,
                 manual_datasets: Sequence[str] = (), approval: lambda_.IFunction | None = None) -> None:
        super().__init__(scope, id)
        waits = bool(to_ods is not None and manual_datasets and approval is not None)
        self.approval = approval if waits else None
        failed = sfn.Fail(self, "Failed", cause=f"Promotion of zone {zone} failed")
        notify = tasks.SnsPublish(
            self, "AlertZone", topic=topic, subject=f"Insight Lake: promotion failed in zone {zone}",
            message=sfn.TaskInput.from_object({
                "zone": zone, "execution": sfn.JsonPath.string_at("$$.Execution.Id"),
                "error": sfn.JsonPath.object_at("$.error")}),
            result_path=sfn.JsonPath.DISCARD).next(failed)

        def glue(id: str, job: LakeGlueJob, arguments: dict[str, object],
                 catch: bool = True) -> tasks.GlueStartJobRun:
            task = tasks.GlueStartJobRun(
                self, id, glue_job_name=job.job_name, integration_pattern=sfn.IntegrationPattern.RUN_JOB,
                arguments=sfn.TaskInput.from_object({"--zone": zone, "--run_id": sfn.JsonPath.execution_name,
                                                     **arguments}),
                result_path=sfn.JsonPath.DISCARD)
            # Several upstream events can start a zone's promotion at once, and its jobs run one (or one
            # per dataset) at a time: a waiting execution retries for up to ~2 hours, never more than
            # 10 minutes apart, with jitter so the waiting ones do not all retry together.
            task.add_retry(errors=["Glue.ConcurrentRunsExceededException"], interval=Duration.minutes(1),
                           backoff_rate=2, max_attempts=16, max_delay=Duration.minutes(10),
                           jitter_strategy=sfn.JitterType.FULL)
            task.add_retry(errors=["Glue.AWSGlueException", "States.Timeout"], interval=Duration.minutes(2),
                           backoff_rate=2, max_attempts=2)
            if catch:
                task.add_catch(notify, errors=["States.ALL"], result_path="$.error")
            return task

        done: sfn.IChainable = sfn.Succeed(self, "Done")
        if published_tables:
            announce = tasks.EventBridgePutEvents(self, "AnnounceTables", result_path=sfn.JsonPath.DISCARD, entries=[
                tasks.EventBridgePutEventsEntry(source=event_source(self), detail_type=TABLES_UPDATED,
                                                detail=sfn.TaskInput.from_object({
                                                    "zone": zone, "tables": sorted(published_tables)}))])
            announce.add_catch(notify, errors=["States.ALL"], result_path="$.error")
            done = announce.next(done)

        def projections_after(id: str, changed: str) -> sfn.IChainable:
            if projections is None:
                return done
            return glue(id, projections, {"--changed": changed}).next(done)

        start: sfn.IChainable = projections_after(
            "BuildProjectionsAfterUpstream", sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.detail.tables")))
        if to_ods is not None:
            # staging key: <zone>/<dataset>/ingest_date=.../<ingest_id>.parquet
            dataset = sfn.Pass(self, "DatasetFromKey", result_path="$.promotion", parameters=fields())
            promote = glue("PromoteToOds", to_ods, {"--dataset": sfn.JsonPath.string_at("$.promotion.dataset")},
                           catch=False)  # a failure releases the table first (CoalescedPromotion)
            changed = sfn.JsonPath.format('["{}_ods.{}"]', zone, sfn.JsonPath.string_at("$.promotion.dataset"))
            self.arn = Stack.of(self).format_arn(service="states", resource="stateMachine", resource_name=name,
                                                 arn_format=ArnFormat.COLON_RESOURCE_NAME)
            hand_over = tasks.CallAwsService(
                self, "HandOverToAFreshExecution", service="sfn", action="startExecution",
                iam_resources=[self.arn], result_path=sfn.JsonPath.DISCARD,
                parameters={"StateMachineArn": self.arn, "Input": sfn.JsonPath.json_to_string(
                    sfn.JsonPath.object_at("$.handoverInput"))})
            hand_over.add_catch(notify, errors=["States.ALL"], result_path="$.error")
            coalesced = CoalescedPromotion(
                self, "Coalesced", zone=zone, ledger=ledger, promote=promote,
                after=projections_after("BuildProjectionsAfterOds", changed), failed=notify,
                hand_over=sfn.Pass(self, "HandOverInput", result_path="$.handoverInput", parameters={
                    "detail-type": sfn.JsonPath.string_at("$.detail-type"),
                    "detail": sfn.JsonPath.object_at("$.detail"), "handover": True,
                }).next(hand_over).next(sfn.Succeed(self, "HandedOver")))
            staged: sfn.IChainable = coalesced.start
            if waits:
                assert approval is not None
                staged = self._approval(zone, manual_datasets, approval, topic, notify, coalesced.start)
            start = (sfn.Choice(self, "WhatChanged")
                     .when(sfn.Condition.string_equals("$.detail-type", "Object Created"), dataset.next(staged))
                     .otherwise(start))

        self.log_group = logs.LogGroup(self, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR,
                                       removal_policy=RemovalPolicy.RETAIN)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_name=name,  # stage-qualified; its hand-over starts it by ARN
            comment=f"Promote insight zone {zone}: to_ods, projections, announce",
            definition_body=sfn.DefinitionBody.from_chainable(start),
            timeout=APPROVAL_WAIT.plus(RUN_TIMEOUT) if waits else RUN_TIMEOUT, tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        # The ledger (its promotion#<zone>#* items, read of ingest#*) is encrypted with the lake key too.
        if to_ods is not None and ledger.encryption_key is not None:
            self.state_machine.add_to_role_policy(iam.PolicyStatement(
                sid="LedgerKeyThroughDynamoDb", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                resources=[ledger.encryption_key.key_arn], conditions={"StringEquals": {
                    "kms:ViaService": f"dynamodb.{Stack.of(self).region}.amazonaws.com"}}))
        # The topic is encrypted with the lake key: the failure alert needs the key too (through SNS only).
        grant_publish(self.state_machine, [topic.topic_arn], key)

    def _approval(self, zone: str, manual: Sequence[str], fn: lambda_.IFunction, topic: sns.ITopic,
                  notify: sfn.IChainable, promote: sfn.IChainable) -> sfn.IChainable:
        """Manual datasets wait for a steward's decision on a task token; the others promote at once."""
        dataset, key = sfn.JsonPath.string_at("$.promotion.dataset"), sfn.JsonPath.string_at("$.detail.object.key")
        days = int(APPROVAL_WAIT.to_days())
        wait = tasks.LambdaInvoke(
            self, "WaitForApproval", lambda_function=fn,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object({  # lambdas/approval/handler.py ApprovalRequest
                "task_token": sfn.JsonPath.task_token, "zone": zone, "dataset": dataset, "staged_key": key,
                "execution": sfn.JsonPath.execution_id, "wait_days": days}),
            task_timeout=sfn.Timeout.duration(APPROVAL_WAIT), result_path="$.approval")
        rejected = sfn.Succeed(self, "RejectedNothingToPromote",
                               comment="A steward rejected the ingest; `lake reject` told the producers")
        timed_out = tasks.SnsPublish(
            self, "AlertApprovalTimedOut", topic=topic, subject=f"Insight Lake: approval timed out in zone {zone}",
            message=sfn.TaskInput.from_object({
                "zone": zone, "dataset": dataset, "staged_key": key, "execution": sfn.JsonPath.execution_id,
                "what": f"No steward decided within {days} days, so this promotion stopped. The ingest still waits: "
                        f"lake approve (or reject) {zone}/<dataset> --ingest <the staged file name without .parquet> "
                        "records the decision, and the next promotion of the dataset takes an approved ingest."}),
            result_path=sfn.JsonPath.DISCARD).next(sfn.Succeed(self, "ApprovalTimedOut"))
        wait.add_catch(rejected, errors=[REJECTED], result_path="$.approval")
        wait.add_catch(timed_out, errors=["States.Timeout"], result_path="$.approval")
        wait.add_catch(notify, errors=["States.ALL"], result_path="$.error")
        wait.next(promote)
        conditions = [sfn.Condition.string_equals("$.promotion.dataset", d) for d in sorted(manual)]
        is_manual = conditions[0] if len(conditions) == 1 else sfn.Condition.or_(*conditions)
        return sfn.Choice(self, "NeedsApproval").when(is_manual, wait).otherwise(promote)

    def trigger(self, id: str, *, pattern: events.EventPattern, description: str,
                dead_letters: sqs.IQueue) -> events.Rule:
        return events.Rule(self, id, description=description, event_pattern=pattern,
                           targets=[targets.SfnStateMachine(self.state_machine, retry_attempts=3,
                                                            dead_letter_queue=dead_letters)])
