"""cdk-nag: the rule packs every synth runs, and every acknowledgment.

cdk-nag 3 runs as a CDK validation plugin (``Validations.of(app).add_plugins``); an
unacknowledged finding fails ``cdk synth`` and the tests. Each acknowledgment is scoped to
one resource and one finding id, with a reason. Wildcard findings (AwsSolutions-IAM5) are
acknowledged by the rules in ``_wildcard_reason``: a wildcard no rule explains stays an
error, so a new one needs a rule (and a reason) here. Finding ids are computed from the
constructs, never copied as hashed logical ids.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, App, CfnElement, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

from infra.constructs.dead_letter_queue import DeadLetterQueue
from infra.constructs.ingest_queue import IngestQueue

if TYPE_CHECKING:
    from infra.lake import Lake

# Actions that do not support resource-level permissions: "*" is the only possible resource.
NO_RESOURCE_LEVEL = {
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    "lakeformation:GetDataAccess", "lakeformation:AddLFTagsToResource", "lakeformation:RemoveLFTagsFromResource",
    "lakeformation:GetResourceLFTags", "cloudwatch:PutMetricData",
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}
KMS_WILDCARDS = {"kms:GenerateDataKey*", "kms:ReEncrypt*"}
REASONS = {
    "star": "These actions do not support resource-level permissions (AWS service authorization reference): "
            "{actions}. Every other action of this policy names its resources.",
    "objects": "Object-level permissions must name keys with a wildcard: keys are generated at run time (per "
               "ingest, per Iceberg commit). The bucket, and where the role is zone-scoped the zone's prefix, "
               "are fixed.",
    "tables": "All tables of one named database: tables are created at run time by the zone's jobs; "
              "Lake Formation grants decide which of them the principal may use.",
    "staging": "The validator is the shared segment that stages every zone's files: it may manage tables and "
               "partitions of the *_staging databases only (never ODS or analytics).",
    "catalog-read": "Read-only catalog metadata (glue:Get*) of every zone's lake databases, for the catalog "
                    "governor, which tags whatever tables the zones' jobs create.",
    "glue-logs": "Glue writes each job run's logs to log groups it creates under /aws-glue/; "
                 "the role may write there only, encrypted by the job's security configuration.",
    "indexes": "The ingest ledger's global secondary indexes (by_zone, by_source) of this one table.",
    "replica-key": "The replica key lives in the other region and is named by its alias only: the statement "
                   "allows any key there whose alias is the lake's replica alias, and only through S3.",
    "kms": "CDK's grant for sending to an encrypted queue or publishing to an encrypted topic; the statement "
           "names the lake key only.",
    "approval": "CDK's grant for a Step Functions Lambda task: the approval function and its versions and aliases "
                "(<function ARN>:*), one named function only.",
    "erasure-catalog": "The erasure role spans every zone holding personal data (the list grows with the config): "
                       "IAM names the layer databases by pattern, and Lake Formation grants, scoped by the zone "
                       "LF-tag to exactly those zones, decide which tables it may change.",
    "executions": "Executions of this one state machine: their names are request ids generated at submission.",
    "promotions": "Every zone's promotion state machine (<prefix>-<zone>-promotion) and its executions, for the "
                  "operators who redrive a failed promotion: one policy for every zone (a role holds at most ten "
                  "managed policies; zones grow with the config): start and read executions only.",
}


def enable(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def _ack(construct: IConstruct | None, finding: str, reason: str) -> None:
    assert construct is not None, finding
    pack = finding.split("-")[0]
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{pack}::{finding}", reason=reason))


class _Renderer:
    """Flattens a resolved CloudFormation value the way cdk-nag prints it in a finding id."""

    def __init__(self, lake: Lake) -> None:
        storage = lake.storage
        self.storage = storage
        # (logical id, attribute) -> (the stack exporting it, the value): what other stacks import.
        self.exported: dict[tuple[str, str], tuple[Stack, Any]] = {}
        for b in [*storage.data_buckets.values(), storage.athena_results, storage.artifacts]:
            self.exported[(self._lid(b), "Arn")] = (storage, b.bucket_arn)
        self.exported[(self._lid(storage.ledger), "Arn")] = (storage, storage.ledger.table_arn)
        self.exported[(self._lid(storage.key), "Arn")] = (storage, storage.key.key_arn)
        if lake.pipeline.approval is not None:  # the zones' state machines invoke it
            fn = lake.pipeline.approval.function
            self.exported[(self._lid(fn), "Arn")] = (lake.pipeline, fn.function_arn)

    @staticmethod
    def _lid(construct: IConstruct) -> str:
        cfn = construct.node.default_child
        assert isinstance(cfn, CfnElement)
        return Stack.of(cfn).get_logical_id(cfn)

    def flatten(self, node: Any, consumer: Stack) -> str:
        if node is None:
            return ""
        if isinstance(node, str):
            return node.replace("${", "<").replace("}", ">")
        if isinstance(node, dict) and "Fn::Join" in node:
            sep, items = node["Fn::Join"]
            return sep.join(self.flatten(i, consumer) for i in items)
        if isinstance(node, dict) and "Fn::Sub" in node:
            return self.flatten(node["Fn::Sub"], consumer)
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            lid, attr = node["Fn::GetAtt"]
            producer, value = self.exported.get((lid, attr), (consumer, None))
            if consumer is not producer:
                # A cross-stack reference becomes Fn::ImportValue of the producing stack's export.
                imported = consumer.resolve(producer.export_value(value))
                return self.flatten(imported["Fn::ImportValue"], consumer)
            return f"<{lid}.{attr}>"
        if isinstance(node, dict) and "Fn::ImportValue" in node:
            return self.flatten(node["Fn::ImportValue"], consumer)
        if isinstance(node, dict) and "Ref" in node:
            return f"<{node['Ref']}>"
        return json.dumps(node, separators=(",", ":"))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard_reason(finding: str, actions: list[str], resources: list[str], lake_arns: dict[str, str],
                     conditions: dict[str, Any], erasure: bool = False) -> str | None:
    kind, _, value = finding.partition("::")
    if re.search(r":kms:[^:]*:[^:]*:key/\*$", value) and "kms:ResourceAliases" in json.dumps(conditions):
        return REASONS["replica-key"]
    if kind == "Action":
        key = lake_arns["key"]
        return REASONS["kms"] if value in KMS_WILDCARDS and resources == [key] else None
    if value == "*":
        return REASONS["star"].format(actions=", ".join(sorted(actions))) if set(actions) <= NO_RESOURCE_LEVEL else None
    for name, arn in lake_arns.items():
        if name.startswith("bucket:") and value.startswith(arn + "/") and value.endswith("*"):
            return REASONS["objects"]
    if value == lake_arns["ledger"] + "/index/*":
        return REASONS["indexes"]
    if "approval" in lake_arns and value == lake_arns["approval"] + ":*" and actions == ["lambda:InvokeFunction"]:
        return REASONS["approval"]
    # <prefix>*_<layer>: every zone's database of a layer, in the stage's catalog namespace (lake/namespace.py)
    every_zone = re.search(r":glue:[^:]*:[^:]*:(database/(?:[a-z][a-z0-9_]*_)?\*_(\w+)|"
                           r"table/(?:[a-z][a-z0-9_]*_)?\*_(\w+)/\*)$", value)
    if every_zone:
        layer = every_zone.group(2) or every_zone.group(3)
        if all(a.startswith("glue:Get") for a in actions) and layer in ("staging", "ods", "analytics"):
            return REASONS["catalog-read"]
        if erasure and layer in ("staging", "ods", "analytics"):
            return REASONS["erasure-catalog"]
        return REASONS["staging"] if layer == "staging" else None
    if re.search(r":glue:[^:]*:[^:]*:table/[a-z][a-z0-9_]*/\*$", value):
        return REASONS["tables"]
    if re.search(r":logs:[^:]*:[^:]*:log-group:/aws-glue/\*(:\*)?$", value):
        return REASONS["glue-logs"]
    if actions == ["states:DescribeExecution"] and re.search(r":states:[^:]*:[^:]*:execution:<[^:>]+>:\*$", value):
        return REASONS["executions"]
    if re.search(r":states:[^:]*:[^:]*:(stateMachine|execution):[A-Za-z0-9-]+-\*-promotion(:\*)?$", value) and \
            set(actions) <= {"states:StartExecution", "states:DescribeExecution"}:
        return REASONS["promotions"]
    return None


def _acknowledge_wildcards(lake: Lake) -> None:
    render = _Renderer(lake)
    for stack in lake.stacks:
        if stack.region != lake.storage.region:
            continue  # the replica region holds no role; a policy added there would stay unacknowledged
        lake_arns = {"key": render.flatten(stack.resolve(lake.storage.key.key_arn), stack),
                     "ledger": render.flatten(stack.resolve(lake.storage.ledger.table_arn), stack)}
        if lake.pipeline.approval is not None:
            lake_arns["approval"] = render.flatten(stack.resolve(lake.pipeline.approval.function.function_arn), stack)
        buckets = dict(lake.storage.all_buckets)
        if lake.replica is not None:
            buckets |= {f"replica_{k}": b for k, b in lake.replica.buckets.items()}
        for name, bucket in buckets.items():
            lake_arns[f"bucket:{name}"] = render.flatten(stack.resolve(bucket.bucket_arn), stack)
        erasure_role = stack.resolve(lake.pipeline.erasure_jobs.role.role_name) if stack is lake.pipeline else None
        for policy in stack.node.find_all():
            if not isinstance(policy, iam.CfnPolicy | iam.CfnManagedPolicy):
                continue
            erasure = erasure_role is not None and erasure_role in (stack.resolve(policy.roles) or [])
            document = stack.resolve(policy.policy_document)
            verdicts: dict[str, list[str | None]] = {}
            for st in document.get("Statement", []):
                if st.get("Effect") != "Allow":
                    continue
                actions = _list(st.get("Action", []))
                resources = [render.flatten(r, stack) for r in _list(st.get("Resource", []))]
                findings = ([f"Action::{a}" for a in actions if "*" in a]
                            + [f"Resource::{r}" for r in resources if "*" in r])
                for f in findings:
                    verdicts.setdefault(f, []).append(
                        _wildcard_reason(f, actions, resources, lake_arns, st.get("Condition", {}), erasure))
            owner = policy.node.scope.node.scope if policy.node.scope is not None else None
            for finding, reasons in verdicts.items():
                if all(reasons):
                    _ack(policy, f"AwsSolutions-IAM5[{finding}]", str(reasons[0]))
                    if isinstance(owner, iam.Role):  # its OverflowPolicyN, split off at synth when the policy grows
                        _ack(owner, f"AwsSolutions-IAM5[{finding}]", str(reasons[0]))


def acknowledge(lake: Lake) -> None:
    storage = lake.storage
    _ack(storage.access_logs.node.default_child, "AwsSolutions-S1",
         "This is the server-access-log target of every other bucket; logging it into itself would loop.")
    for secret in storage.pii_keys.secrets.values():
        _ack(secret.node.default_child, "AwsSolutions-SMG4",
             "A PII hashing key: rotating it would change every stored hash, so joins on hashed columns and erasure "
             "matching would break. A new key is a planned rebuild of the zone's tables, never a schedule.")
    backup_role = storage.backups.selection.node.find_child("Role").node.default_child
    for policy in ("service-role/AWSBackupServiceRolePolicyForBackup",
                   "service-role/AWSBackupServiceRolePolicyForRestores", "AWSBackupServiceRolePolicyForS3Backup",
                   "AWSBackupServiceRolePolicyForS3Restore"):
        _ack(backup_role, f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]",
             "AWS Backup's own service-role policies, maintained by AWS as the services evolve; the backup "
             "selection limits which resources the plan touches.")
    for stack in lake.stacks:
        for c in stack.node.find_all():
            if isinstance(c, DeadLetterQueue):
                _ack(c.queue.node.default_child, "Serverless-SQSRedrivePolicy",
                     "This queue is itself a dead-letter queue: its messages are kept 14 days and alarmed, "
                     "not redriven again.")
                if not isinstance(c.node.scope, IngestQueue):
                    _ack(c.queue.node.default_child, "AwsSolutions-SQS3",
                         "This queue is the dead-letter queue of SNS subscriptions, EventBridge targets or Lambda "
                         "asynchronous invocations; cdk-nag only recognizes dead-letter queues of SQS redrive "
                         "policies.")
            elif isinstance(c, lambda_.CfnEventSourceMapping):
                _ack(c, "Serverless-LambdaEventSourceMappingDestination",
                     "An SQS event source: failed messages return to the queue and move to its dead-letter queue "
                     "after 5 receives (on-failure destinations apply to stream sources only).")
    _acknowledge_wildcards(lake)
