"""The calls AWS makes on the deployment's behalf, derived from the templates (every alarm action,
rule target, asynchronous function's dead letters, state machine task, backup selection, replication
rule and Athena workgroup the templates hold), so that a route the scenario did not happen to take is
proven too. S3 → EventBridge needs no permission (AWS services' events go to the account's default bus)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lake.twin.access.actions import Naming, Need, needs
from lake.twin.deploy import Deployment, Resource


@dataclass(frozen=True)
class OnBehalf:
    component: str  # what AWS acts for ("alarm Pipeline/X", "rule Zone-finance/Y target 0", ...)
    principal: str  # a role ARN or a service principal
    need: Need


def _service_context(n: Naming, source_arn: str) -> dict[str, list[str]]:
    return {"aws:sourcearn": [source_arn], "aws:sourceaccount": [n.account]}


def _as_service(n: Naming, service: str, source_arn: str, action: str, params: dict[str, str]) -> Iterator[Need]:
    """What a service principal's call needs: the call's own needs (KMS included) with the service's
    context keys (no kms:ViaService: the service itself calls KMS)."""
    ctx = _service_context(n, source_arn)
    for need in needs(n, action, params):
        context = {k: v for k, v in need.context.items() if k not in ("kms:viaservice", "kms:calleraccount")}
        yield Need(need.action, need.resource, {**context, **ctx}, kms=need.kms)


def derive(dep: Deployment) -> list[OnBehalf]:
    n = Naming(dep)
    out: list[OnBehalf] = []
    out += _alarms(n, dep)
    out += _rules(n, dep)
    out += _async_dead_letters(n, dep)
    out += _state_machines(n, dep)
    out += _backups(n, dep)
    out += _replication(n, dep)
    out += _athena(n, dep)
    out += _function_runtime(n, dep)
    out += _glue_runtime(n, dep)
    return out


def _name(r: Resource) -> str:
    return f"{r.stack}/{r.logical_id}"


def _alarms(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    for alarm in dep.of_type("AWS::CloudWatch::Alarm"):
        arn = n.arn("cloudwatch", f"alarm:{alarm.properties.get('AlarmName') or alarm.ref}")
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            for action in alarm.properties.get(key, []):
                if str(action).startswith("arn:aws:sns:"):
                    for need in _as_service(n, "cloudwatch", arn, "sns:Publish", {"TopicArn": action}):
                        out = OnBehalf(f"alarm {_name(alarm)} → SNS", "cloudwatch.amazonaws.com", need)
                        yield out


def _rules(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    for rule in dep.of_type("AWS::Events::Rule"):
        arn = rule.attrs["Arn"]
        for t in rule.properties.get("Targets", []):
            label = f"rule {_name(rule)} target {t.get('Id')}"
            target = str(t["Arn"])
            if target.startswith("arn:aws:sqs:"):
                for need in _as_service(n, "events", arn, "sqs:SendMessage", {"QueueUrl": target.rsplit(":", 1)[-1]}):
                    yield OnBehalf(f"{label} → SQS", "events.amazonaws.com", need)
            elif target.startswith("arn:aws:sns:"):
                for need in _as_service(n, "events", arn, "sns:Publish", {"TopicArn": target}):
                    yield OnBehalf(f"{label} → SNS", "events.amazonaws.com", need)
            elif target.startswith("arn:aws:lambda:"):
                yield OnBehalf(f"{label} → Lambda", "events.amazonaws.com",
                               Need("lambda:InvokeFunction", target, _service_context(n, arn)))
            elif target.startswith("arn:aws:states:") and t.get("RoleArn"):
                yield OnBehalf(f"{label} → Step Functions", t["RoleArn"], Need("states:StartExecution", target))
            dlq = t.get("DeadLetterConfig", {}).get("Arn")
            if dlq:
                for need in _as_service(n, "events", arn, "sqs:SendMessage", {"QueueUrl": dlq.rsplit(":", 1)[-1]}):
                    yield OnBehalf(f"{label} dead letters", "events.amazonaws.com", need)


def _async_dead_letters(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    """A function invoked asynchronously (a rule's target) sends what failed to its dead-letter queue with
    its own role."""
    targets = {str(t["Arn"]) for r in dep.of_type("AWS::Events::Rule") for t in r.properties.get("Targets", [])}
    for fn in dep.of_type("AWS::Lambda::Function"):
        dlq = fn.properties.get("DeadLetterConfig", {}).get("TargetArn")
        if dlq and fn.attrs.get("Arn") in targets:
            for need in needs(n, "sqs:SendMessage", {"QueueUrl": dlq.rsplit(":", 1)[-1]}):
                yield OnBehalf(f"lambda:{_name(fn)} asynchronous dead letters", fn.properties["Role"], need)


def _tasks(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch.get("States", {}))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _tasks(state[key].get("States", {}))


_INTEGRATIONS = {"glue:startJobRun": ("glue:StartJobRun", "JobName"),
                 "lambda:invoke": ("lambda:Invoke", "FunctionName"), "sns:publish": ("sns:Publish", "TopicArn"),
                 "events:putEvents": ("events:PutEvents", None),
                 "states:startExecution": ("states:StartExecution", "StateMachineArn")}


def _state_machines(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    for sm in dep.of_type("AWS::StepFunctions::StateMachine"):
        definition = sm.properties.get("DefinitionString") or sm.properties.get("Definition")
        states = (json.loads(definition) if isinstance(definition, str) else definition or {}).get("States", {})
        role = sm.properties["RoleArn"]
        for task in _tasks(states):
            service, _, pattern = task["Resource"].removeprefix("arn:aws:states:::").partition(".")
            integration = _INTEGRATIONS.get(service)
            if integration is None:
                continue
            action, param = integration
            params = task.get("Parameters", {})
            if param and param not in params:
                continue  # a name computed at run time ("JobName.$"): the recorded calls prove that one
            call = {param: params[param]} if param else {}
            if action == "sqs:SendMessage":
                call = {"QueueUrl": params.get("QueueUrl", "")}
            if action == "events:PutEvents":
                call = {"EventBusName": ",".join(sorted({e.get("EventBusName", "default")
                                                         for e in params.get("Entries", [])})) or "default"}
            label = f"states:{_name(sm)} task"
            for need in needs(n, action, call):
                yield OnBehalf(label, role, need)
            if action == "glue:StartJobRun" and pattern == "sync":  # what .sync polls and cancels with
                for extra in ("glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"):
                    for need in needs(n, extra, call):
                        yield OnBehalf(label, role, need)


# What AWS Backup does with the selection's role (AWS Backup developer guide, "Backup for Amazon S3").
S3_BACKUP = ("s3:GetBucketVersioning", "s3:ListBucketVersions", "s3:ListBucket", "s3:GetBucketLocation",
             "s3:GetBucketTagging", "s3:GetInventoryConfiguration", "s3:PutInventoryConfiguration",
             "s3:GetBucketNotification", "s3:PutBucketNotification")
S3_BACKUP_OBJECTS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging",
                     "s3:GetObjectAcl", "s3:GetObjectVersionAcl")
S3_RESTORE_OBJECTS = ("s3:PutObject", "s3:PutObjectTagging", "s3:GetObjectVersion")
DYNAMODB_BACKUP = ("dynamodb:CreateBackup", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource")


def _backups(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    for sel in dep.of_type("AWS::Backup::BackupSelection"):
        spec = sel.properties["BackupSelection"]
        role = spec["IamRoleArn"]
        label = f"backup selection {_name(sel)}"
        for arn in spec.get("Resources", []):
            if arn.startswith("arn:aws:s3:::"):
                bucket = arn.removeprefix("arn:aws:s3:::")
                obj = f"{arn}/any-object"
                for action in S3_BACKUP:
                    yield OnBehalf(f"{label} (backup)", role, Need(action, arn))
                for action in S3_BACKUP_OBJECTS:
                    yield OnBehalf(f"{label} (backup)", role, Need(action, obj))
                for action in S3_RESTORE_OBJECTS:
                    yield OnBehalf(f"{label} (restore)", role, Need(action, obj))
                if bucket in n.bucket_keys:
                    key, bucket_key = n.bucket_keys[bucket]
                    ec = {"kms:encryptioncontext:aws:s3:arn": [arn if bucket_key else obj]}
                    yield OnBehalf(f"{label} (backup)", role, n.via("s3", key, "kms:Decrypt", ec))
                    yield OnBehalf(f"{label} (restore)", role, n.via("s3", key, "kms:GenerateDataKey", ec))
            elif ":dynamodb:" in arn:
                for action in DYNAMODB_BACKUP:
                    yield OnBehalf(f"{label} (backup)", role, Need(action, arn))


def _replication(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    for b in dep.of_type("AWS::S3::Bucket"):
        conf = b.properties.get("ReplicationConfiguration")
        if not conf:
            continue
        role, src = conf["Role"], b.attrs["Arn"]
        label = f"replication of {_name(b)}"
        yield OnBehalf(label, role, Need("s3:GetReplicationConfiguration", src))
        yield OnBehalf(label, role, Need("s3:ListBucket", src))
        for action in ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"):
            yield OnBehalf(label, role, Need(action, f"{src}/any-object"))
        if b.ref in n.bucket_keys:
            key, bucket_key = n.bucket_keys[b.ref]
            ec = {"kms:encryptioncontext:aws:s3:arn": [src if bucket_key else f"{src}/any-object"]}
            yield OnBehalf(label, role, n.via("s3", key, "kms:Decrypt", ec))
        for rule in conf.get("Rules", []):
            dest = rule["Destination"]["Bucket"]
            for action in ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"):
                yield OnBehalf(label, role, Need(action, f"{dest}/any-object"))
            replica_key = rule["Destination"].get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID")
            if replica_key:
                region = replica_key.split(":")[3]
                ctx = {"kms:viaservice": [f"s3.{region}.amazonaws.com"],
                       "kms:encryptioncontext:aws:s3:arn": [dest]}
                yield OnBehalf(label, role, Need("kms:Encrypt", replica_key, ctx, kms=True))
                yield OnBehalf(label, role, Need("kms:GenerateDataKey", replica_key, ctx, kms=True))


def _athena(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    """What a query through a workgroup needs of its principals besides the tables it reads."""
    from lake.twin.access.principals import workgroup_principals

    for wg in dep.of_type("AWS::Athena::WorkGroup"):
        conf = wg.properties.get("WorkGroupConfiguration", {}).get("ResultConfiguration", {})
        bucket, _, prefix = str(conf.get("OutputLocation", "")).removeprefix("s3://").partition("/")
        label = f"athena-query:{wg.ref}"
        calls: list[tuple[str, dict[str, str]]] = [
            (f"athena:{op}", {"WorkGroup": wg.ref}) for op in ("StartQueryExecution", "GetQueryExecution",
                                                               "GetQueryResults")]
        if bucket:
            key = f"{prefix.rstrip('/')}/query-id.csv".lstrip("/")
            calls += [("s3:GetBucketLocation", {"Bucket": bucket}), ("s3:PutObject", {"Bucket": bucket, "Key": key}),
                      ("s3:GetObject", {"Bucket": bucket, "Key": key})]
        calls.append(("lakeformation:GetDataAccess", {}))
        for principal in sorted(workgroup_principals(dep, wg.ref)):
            for action, params in calls:
                for need in needs(n, action, params):
                    yield OnBehalf(label, principal, need)


def _function_runtime(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    """Lambda writes each invocation's logs to the function's log group, and its traces when tracing is
    active, with the function's role."""
    for fn in dep.of_type("AWS::Lambda::Function"):
        role, label = fn.properties["Role"], f"lambda:{_name(fn)} runtime"
        group = fn.properties.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{fn.ref}"
        stream = n.arn("logs", f"log-group:{group}:log-stream:2026/01/01/[$LATEST]0")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            yield OnBehalf(label, role, Need(action, stream))
        if fn.properties.get("TracingConfig", {}).get("Mode") == "Active":
            for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
                yield OnBehalf(label, role, Need(action, "*"))


def _glue_runtime(n: Naming, dep: Deployment) -> Iterator[OnBehalf]:
    """A Glue job run reads its script and extra Python files from S3, writes continuous logs (encrypted
    ones: the security configuration's key associated with its log group) and metrics, with its role."""
    for job in dep.of_type("AWS::Glue::Job"):
        role_ref, label = job.properties["Role"], f"glue:{_name(job)} runtime"
        role = role_ref if str(role_ref).startswith("arn:") else f"arn:aws:iam::{n.account}:role/{role_ref}"
        args = job.properties.get("DefaultArguments", {})
        code = [job.properties["Command"]["ScriptLocation"], *str(args.get("--extra-py-files", "")).split(",")]
        for url in filter(None, code):
            bucket, _, key = url.removeprefix("s3://").partition("/")
            for need in needs(n, "s3:GetObject", {"Bucket": bucket, "Key": key}):
                yield OnBehalf(label, role, need)
        if args.get("--enable-metrics") is not None:
            yield OnBehalf(label, role, Need("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Glue"]}))
        if str(args.get("--enable-continuous-cloudwatch-log")) == "true":
            group = args.get("--continuous-log-logGroup", "/aws-glue/jobs/logs-v2")
            if job.properties.get("SecurityConfiguration"):  # encrypted logs go to a group of their own
                group = f"/aws-glue/jobs/{job.properties['SecurityConfiguration']}-role/{role_ref}/logs-v2"
                yield OnBehalf(label, role, Need("logs:AssociateKmsKey", n.arn("logs", f"log-group:{group}")))
            for action in ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"):
                yield OnBehalf(label, role, Need(action, n.arn("logs", f"log-group:{group}:log-stream:jr_0")))


def lake_formation_reads(n: Naming, dep: Deployment, db: str, table: str) -> Iterator[OnBehalf]:
    """Behind a query's read of ``db.table``, Lake Formation reads the data with the role that registered
    the table's location (credential vending): list the table's prefix, get its objects, decrypt them."""
    location = n.locations.get(db)
    if not location:
        return
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    table_prefix = f"{prefix}/{table}/".lstrip("/")
    for reg in dep.of_type("AWS::LakeFormation::Resource"):
        if reg.properties.get("ResourceArn") != f"arn:aws:s3:::{bucket}" or not reg.properties.get("RoleArn"):
            continue
        label, role = f"lake formation for a query of {db}.{table}", reg.properties["RoleArn"]
        calls = [("s3:ListObjectsV2", {"Bucket": bucket, "Prefix": table_prefix}),
                 ("s3:GetObject", {"Bucket": bucket, "Key": f"{table_prefix}data/part-0.parquet"})]
        for action, params in calls:
            for need in needs(n, action, params):
                yield OnBehalf(label, role, need)
