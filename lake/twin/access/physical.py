"""The physical ids a twin run gave each resource (names, ARNs, key ids), saved beside its calls, so
that the access proof can resolve any copy of the templates (e.g. one with a statement removed)
to the same names without deploying it again."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from lake.twin.assembly import Assembly
from lake.twin.deploy import Deployment, Resource, deploy, physical_name
from lake.twin.intrinsics import Scope


def save(dep: Deployment, path: Path) -> None:
    out = {f"{r.stack}/{r.logical_id}": {"ref": r.ref, "attrs": dict(r.attrs),
                                         "any": getattr(r.attrs, "arn", None)} for r in dep.resources}
    path.write_text(json.dumps(out, indent=1, sort_keys=True, default=str))


class _Replay:
    """``deploy``'s ``create``: the saved ids; a resource the run did not have (or every resource, with
    nothing saved) gets the names the twin would give it (keys: a stable id of their logical id)."""

    def __init__(self, saved: dict[str, Any]) -> None:
        self.saved = saved

    def __call__(self, dep: Deployment, scope: Scope, res: Resource) -> None:
        from lake.twin.resources import _AnyAttribute

        stack_id = next(s.id for s in dep.assembly.stacks if s.name == scope.stack_name)
        known = self.saved.get(f"{stack_id}/{res.logical_id}")
        if known is None:
            res.ref, attrs = _shape(scope, res)
            res.attrs = attrs if attrs is not None else _AnyAttribute(
                f"arn:aws:twin:{scope.region}:{scope.account}:{res.type}/{res.ref}")
            return
        res.ref = known["ref"]
        if known.get("any"):
            any_attrs = _AnyAttribute(known["any"])
            any_attrs.update(known["attrs"])
            res.attrs = any_attrs
        else:
            res.attrs = known["attrs"]


def _shape(scope: Scope, res: Resource) -> tuple[Any, dict[str, Any] | None]:
    """Ref and attributes as the twin's creators (``lake.twin.resources``) name them, without moto."""
    p, name = res.properties, physical_name(scope.stack_name, res.logical_id)

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{scope.region}:{scope.account}:{resource}"

    t = res.type
    if t == "AWS::S3::Bucket":
        b = p.get("BucketName") or physical_name(scope.stack_name, res.logical_id, limit=63, lower=True)
        return b, {"Arn": f"arn:aws:s3:::{b}", "DomainName": f"{b}.s3.amazonaws.com",
                   "RegionalDomainName": f"{b}.s3.{scope.region}.amazonaws.com"}
    if t == "AWS::KMS::Key":
        key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.stack_name}/{res.logical_id}"))
        return key_id, {"Arn": arn("kms", f"key/{key_id}"), "KeyId": key_id}
    if t == "AWS::SQS::Queue":
        q = p.get("QueueName") or physical_name(scope.stack_name, res.logical_id, limit=80)
        url = f"https://sqs.{scope.region}.amazonaws.com/{scope.account}/{q}"
        return url, {"Arn": arn("sqs", q), "QueueName": q, "QueueUrl": url}
    if t == "AWS::SNS::Topic":
        topic = arn("sns", p.get("TopicName") or physical_name(scope.stack_name, res.logical_id, limit=256))
        return topic, {"TopicArn": topic, "TopicName": topic.rsplit(":", 1)[-1], "Arn": topic}
    if t == "AWS::IAM::Role":
        role = p.get("RoleName") or name
        return role, {"Arn": f"arn:aws:iam::{scope.account}:role{p.get('Path', '/')}{role}", "RoleId": role}
    if t == "AWS::IAM::ManagedPolicy":
        policy = f"arn:aws:iam::{scope.account}:policy{p.get('Path', '/')}{p.get('ManagedPolicyName') or name}"
        return policy, {"PolicyArn": policy}
    if t == "AWS::DynamoDB::Table":
        table = p.get("TableName") or physical_name(scope.stack_name, res.logical_id, limit=255)
        return table, {"Arn": arn("dynamodb", f"table/{table}"), "StreamArn": None}
    if t == "AWS::SecretsManager::Secret":
        secret = arn("secretsmanager", f"secret:{p.get('Name') or name}-twin00")
        return secret, {"Arn": secret, "Id": secret}
    if t == "AWS::Lambda::Function":
        fn = p.get("FunctionName") or name
        return fn, {"Arn": arn("lambda", f"function:{fn}")}
    if t == "AWS::Events::Rule":
        rule = p.get("Name") or name
        return rule, {"Arn": arn("events", f"rule/{rule}")}
    if t == "AWS::StepFunctions::StateMachine":
        sm = p.get("StateMachineName") or name
        return arn("states", f"stateMachine:{sm}"), {"Arn": arn("states", f"stateMachine:{sm}"), "Name": sm}
    if t == "AWS::CloudWatch::Alarm":
        alarm = p.get("AlarmName") or name
        return alarm, {"Arn": arn("cloudwatch", f"alarm:{alarm}")}
    if t == "AWS::Logs::LogGroup":
        group = p.get("LogGroupName") or name
        return group, {"Arn": arn("logs", f"log-group:{group}:*")}
    if t in ("AWS::Glue::Database",):
        return p["DatabaseInput"].get("Name", name), {}
    if t in ("AWS::Glue::Job", "AWS::Athena::WorkGroup"):
        return p.get("Name", name), {}
    if t == "AWS::Lambda::LayerVersion":
        layer = arn("lambda", f"layer:{p.get('LayerName') or name}:1")
        return layer, {"LayerVersionArn": layer}
    return name, None


def replay(assembly: Assembly, saved: Path | None = None) -> Deployment:
    """The assembly resolved with a twin run's physical ids (or the names the twin would give): no moto,
    no processes."""
    return deploy(assembly, _Replay(json.loads(saved.read_text()) if saved else {}))
