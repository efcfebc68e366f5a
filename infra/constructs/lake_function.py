"""A pipeline Lambda function as the lake runs them: ARM64, the latest Python runtime,
the lake's code and layers, X-Ray tracing, KMS-encrypted environment and logs (kept a
year), a dead-letter queue for asynchronous invocations, concurrency reserved only with
``lake:reservedConcurrency``, and an
alarm on errors."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.lake_code import ARCHITECTURE, RUNTIME, LakeCode
from infra.settings import catalog_prefix_of, reserved_concurrency
from lake.namespace import ENV as CATALOG_PREFIX_ENV


class LakeFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: LakeCode,
        handler: str,
        description: str,
        key: kms.IKey,
        environment: Mapping[str, str],
        dead_letters: sqs.IQueue,
        alarm_topic: sns.ITopic,
        timeout: Duration,
        memory_mb: int = 1024,
        concurrency: int = 20,
        tmp_mib: int = 512,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(self, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_YEAR,
                                       removal_policy=RemovalPolicy.RETAIN)
        # Our own role rather than AWSLambdaBasicExecutionRole: logs go to this log group only.
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"Lambda {id}: {description}")
        self.role.add_to_policy(iam.PolicyStatement(
            sid="WriteOwnLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[self.log_group.log_group_arn]))
        self.concurrency = concurrency
        # A namespaced stage's functions reach its catalog names (lake/namespace.py); plain stages set nothing.
        namespace = {CATALOG_PREFIX_ENV: prefix} if (prefix := catalog_prefix_of(self)) else {}
        self.function = lambda_.Function(
            self, "Function",
            description=description,
            code=code.code, handler=handler, runtime=RUNTIME, architecture=ARCHITECTURE, layers=code.layers,
            memory_size=memory_mb, timeout=timeout, ephemeral_storage_size=Size.mebibytes(tmp_mib),
            # Reserving takes from the account's unreserved pool, which AWS keeps >= 100: a new account
            # (quota 10 or 50) cannot reserve at all. Off by default; queue consumers are bounded by
            # their event source's maximum concurrency instead (PipelineStack).
            reserved_concurrent_executions=concurrency if reserved_concurrency(self) else None,
            environment={"POWERTOOLS_SERVICE_NAME": id.lower(), "POWERTOOLS_METRICS_NAMESPACE": "InsightLake",
                         **namespace, **environment},
            environment_encryption=key,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            dead_letter_queue=dead_letters,
            role=self.role,
        )
        # Lambda sends an asynchronous invocation's dead letters with this role: SQS encrypts them with the
        # queue's key, which the role must use through SQS (CDK grants sqs:SendMessage only).
        self.role.add_to_policy(iam.PolicyStatement(
            sid="DeadLettersKey", actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[(dead_letters.encryption_master_key or key).key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{Stack.of(self).region}.amazonaws.com"}}))
        # Lambda extracts layers in the listed order, a later one's files over an earlier one's: the lake's
        # dependency layer (its pinned pydantic) must come after Powertools'. CDK sorts the layers when
        # @aws-cdk/aws-lambda:recognizeLayerVersion is on, so the order is written back here.
        cfn = self.function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.add_property_override("Layers", [layer.layer_version_arn for layer in code.layers])
        self.errors_alarm = cloudwatch.Alarm(
            self, "ErrorsAlarm",
            alarm_description=f"{id}: invocations failed",
            metric=self.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=0, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.errors_alarm.add_alarm_action(actions.SnsAction(alarm_topic))
