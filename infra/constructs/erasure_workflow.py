"""The erasure workflow: one execution per erasure request (``lake forget --target aws``).

Input ``{"request_id", "request_key"}`` only: the subject and the raw value wait in the request
object in landing (KMS-encrypted), so they never appear in the execution history or the job
arguments. The key must be the one the id names (``_erasure/requests/<id>.json``): the job
deletes the request object when done, and is pointed at nothing else.

  erase (Glue, .sync)  -> vacuum (Glue, .sync)         -> done
     every layer            Iceberg snapshots from before the erasure expire, their files and
                            orphan files are deleted (old S3 versions then expire by lifecycle)

Physical removal is a Spark job running Iceberg's ``expire_snapshots`` and ``remove_orphan_files``
rather than Athena ``VACUUM``: VACUUM only expires snapshots older than the table's
``vacuum_max_snapshot_age_seconds`` (5 days by default), so the pre-erasure snapshot would
survive it; it would also need a second principal able to delete table data (Lake Formation
DELETE for the state machine role) and a workgroup of its own. The job uses the erasure role.

Glue tasks wait their turn (one run at a time per job) and retry transient errors; any failure
alerts the platform topic with the error type only (a cause may quote data) and fails.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.access import grant_publish
from infra.constructs.erasure_jobs import ErasureJobs
from lake.config.personal_data import ERASURE_REQUESTS


class ErasureWorkflow(Construct):
    def __init__(self, scope: Construct, id: str, *, jobs: ErasureJobs, key: kms.IKey, topic: sns.ITopic) -> None:
        super().__init__(scope, id)
        failed = sfn.Fail(self, "Failed", cause="Erasure failed")
        notify = tasks.SnsPublish(
            self, "AlertPlatform", topic=topic, subject="Insight Lake: an erasure failed",
            message=sfn.TaskInput.from_object({
                "request_id": sfn.JsonPath.string_at("$.request_id"),
                "execution": sfn.JsonPath.string_at("$$.Execution.Id"),
                "error": sfn.JsonPath.string_at("$.error.Error"),
                "next": "Fix the cause, then start the erasure state machine again with the same request_id and "
                        "request_key: the request waits in landing until an erasure of it succeeds."}),
            result_path=sfn.JsonPath.DISCARD).next(failed)

        def glue(name: str, job_name: str, arguments: dict[str, object], *, idempotent: bool) -> tasks.GlueStartJobRun:
            task = tasks.GlueStartJobRun(
                self, name, glue_job_name=job_name, integration_pattern=sfn.IntegrationPattern.RUN_JOB,
                arguments=sfn.TaskInput.from_object({"--run_id": sfn.JsonPath.execution_name, **arguments}),
                result_path=sfn.JsonPath.DISCARD)
            # One run at a time: a burst of requests queues here, for hours if need be.
            task.add_retry(errors=["Glue.ConcurrentRunsExceededException"], interval=Duration.minutes(1),
                           backoff_rate=2, max_delay=Duration.minutes(15), max_attempts=25,
                           jitter_strategy=sfn.JitterType.FULL)
            task.add_retry(errors=["Glue.AWSGlueException", "States.Timeout"], interval=Duration.minutes(2),
                           backoff_rate=2, max_attempts=2)
            if idempotent:  # e.g. an Iceberg commit that lost to a concurrent promotion
                task.add_retry(errors=["States.TaskFailed"], interval=Duration.minutes(5), max_attempts=2)
            task.add_catch(notify, errors=["States.ALL"], result_path="$.error")
            return task

        erase = glue("Erase", jobs.erase.job_name, {"--request_id": sfn.JsonPath.string_at("$.request_id"),
                                                    "--request_key": sfn.JsonPath.string_at("$.request_key")},
                     idempotent=False)
        vacuum = glue("RemoveHistory", jobs.vacuum.job_name, {}, idempotent=True)
        expected = sfn.Pass(self, "RequestKey", result_path="$.expected", parameters={
            "key": sfn.JsonPath.format(f"{ERASURE_REQUESTS}{{}}.json", sfn.JsonPath.string_at("$.request_id"))})
        start = expected.next(
            sfn.Choice(self, "IsAnErasureRequest")
            .when(sfn.Condition.string_equals_json_path("$.request_key", "$.expected.key"),
                  erase.next(vacuum).next(sfn.Succeed(self, "Erased")))
            .otherwise(sfn.Fail(self, "NotAnErasureRequest",
                                cause=f"request_key must be {ERASURE_REQUESTS}<request_id>.json")))

        self.log_group = logs.LogGroup(self, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR,
                                       removal_policy=RemovalPolicy.RETAIN)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            comment="Erase one data subject from every layer of the lake, history included",
            definition_body=sfn.DefinitionBody.from_chainable(start),
            timeout=Duration.hours(24), tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        # The topic is encrypted with the lake key: publishing needs the key too (through SNS only).
        grant_publish(self.state_machine, [topic.topic_arn], key)

        # A failure the catch cannot see (the whole execution timing out) still reaches the platform.
        every = Duration.minutes(5)
        self.alarm = cloudwatch.Alarm(
            self, "FailedAlarm", alarm_description="An erasure failed or timed out: the data subject is not erased",
            metric=cloudwatch.MathExpression(expression="FILL(failed, 0) + FILL(timedOut, 0)", period=every,
                                             using_metrics={
                                                 "failed": self.state_machine.metric_failed(statistic="Sum"),
                                                 "timedOut": self.state_machine.metric_timed_out(statistic="Sum")}),
            threshold=0, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        self.alarm.add_alarm_action(actions.SnsAction(topic))
