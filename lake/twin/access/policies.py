"""The policies of a resolved deployment: each role's identity policies (inline, ``AWS::IAM::Policy``,
customer managed policies of the templates, AWS managed policies by ARN) and each resource's policy
(bucket, key, queue, topic, Lambda permissions). Roles the templates attach policies to by name but do
not create (zone readers, producers, admins) are "external" roles with those policies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lake.twin.access.policy import Statement, parse
from lake.twin.deploy import Deployment, Resource


@lru_cache(maxsize=1)
def _aws_managed() -> dict[str, Any]:
    """AWS managed policies by name, from moto's copy of them (the one offline source of their text),
    read from its file without importing moto (seconds)."""
    import importlib.util
    import runpy
    from pathlib import Path

    spec = importlib.util.find_spec("moto")
    folder = Path(next(iter(spec.submodule_search_locations or [])))  # type: ignore[union-attr]
    data = runpy.run_path(str(folder / "iam" / "aws_managed_policies.py"))["aws_managed_policies_data"]
    return json.loads(data)  # type: ignore[no-any-return]


def aws_managed_policy(arn: str) -> dict[str, Any] | None:
    entry = _aws_managed().get(arn.rsplit("/", 1)[-1])
    return entry["Document"] if entry else None


@dataclass
class Role:
    arn: str
    name: str
    logical: str = ""  # "<stack>/<logical id>", empty for an external role
    statements: list[Statement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. a managed policy that cannot be found

    @property
    def label(self) -> str:
        return f"role {self.logical or self.name}"


@dataclass
class Policies:
    account: str
    region: str
    roles: dict[str, Role] = field(default_factory=dict)  # by ARN
    resource: dict[str, list[Statement]] = field(default_factory=dict)  # resource ARN -> statements
    resource_names: dict[str, str] = field(default_factory=dict)  # resource ARN -> "bucket Storage/Ingress…"

    def role(self, arn_or_name: str) -> Role | None:
        if arn_or_name in self.roles:
            return self.roles[arn_or_name]
        return next((r for r in self.roles.values() if r.name == arn_or_name), None)

    @property
    def external(self) -> list[Role]:
        return [r for r in self.roles.values() if not r.logical]


def collect(dep: Deployment) -> Policies:
    acc, region = dep.assembly.account, dep.assembly.region
    pol = Policies(acc, region)
    managed = {r.ref: r for r in dep.of_type("AWS::IAM::ManagedPolicy")}
    for r in dep.of_type("AWS::IAM::Role"):
        role = pol.roles[r.attrs["Arn"]] = Role(r.attrs["Arn"], r.ref, f"{r.stack}/{r.logical_id}")
        for inline in r.properties.get("Policies", []):
            role.statements += parse(inline["PolicyDocument"], f"{role.label}'s inline policy {inline['PolicyName']}")
        for arn in r.properties.get("ManagedPolicyArns", []):
            _attach_managed(role, arn, managed)
    for r in [*dep.of_type("AWS::IAM::Policy"), *dep.of_type("AWS::IAM::ManagedPolicy")]:
        for name in r.properties.get("Roles", []):
            role = pol.role(name) or pol.roles.setdefault(
                f"arn:aws:iam::{acc}:role/{name}", Role(f"arn:aws:iam::{acc}:role/{name}", name))
            role.statements += parse(r.properties["PolicyDocument"], f"{role.label}'s policy {r.stack}/{r.logical_id}")
    _resource_policies(dep, pol)
    return pol


def _attach_managed(role: Role, arn: str, managed: dict[Any, Resource]) -> None:
    if arn in managed:  # the templates' own managed policy: attached through its Roles already, or here
        r = managed[arn]
        if role.name not in r.properties.get("Roles", []):
            role.statements += parse(r.properties["PolicyDocument"], f"{role.label}'s policy {r.stack}/{r.logical_id}")
        return
    document = aws_managed_policy(arn) if ":iam::aws:policy/" in arn else None
    if document is None:
        role.problems.append(f"{role.label}: managed policy {arn} not found (neither in the templates nor AWS's)")
        return
    role.statements += parse(document, f"{role.label}'s AWS managed policy {arn.rsplit('/', 1)[-1]}")


def _resource_policies(dep: Deployment, pol: Policies) -> None:
    def add(arn: str, name: str, document: dict[str, Any]) -> None:
        pol.resource.setdefault(arn, []).extend(parse(document, f"{name}'s policy"))
        pol.resource_names[arn] = name

    for r in dep.of_type("AWS::S3::BucketPolicy"):
        bucket = dep.by_ref("AWS::S3::Bucket", r.properties["Bucket"])
        name = f"bucket {bucket.stack}/{bucket.logical_id}" if bucket else f"bucket {r.properties['Bucket']}"
        add(f"arn:aws:s3:::{r.properties['Bucket']}", name, r.properties["PolicyDocument"])
    for r in dep.of_type("AWS::KMS::Key"):
        add(r.attrs["Arn"], f"key {r.stack}/{r.logical_id}", r.properties.get("KeyPolicy", {"Statement": []}))
    for r in dep.of_type("AWS::SQS::QueuePolicy"):
        for url in r.properties.get("Queues", []):
            q = dep.by_ref("AWS::SQS::Queue", url)
            if q is not None:
                add(q.attrs["Arn"], f"queue {q.stack}/{q.logical_id}", r.properties["PolicyDocument"])
    for r in dep.of_type("AWS::SNS::TopicPolicy"):
        for arn in r.properties.get("Topics", []):
            t = dep.by_ref("AWS::SNS::Topic", arn)
            add(arn, f"topic {t.stack}/{t.logical_id}" if t else f"topic {arn}", r.properties["PolicyDocument"])
    for r in dep.of_type("AWS::Lambda::Permission"):
        _lambda_permission(dep, r, add)


def _lambda_permission(dep: Deployment, r: Resource, add: Any) -> None:
    """A Lambda permission is one statement of the function's resource policy."""
    p = r.properties
    fn = dep.by_ref("AWS::Lambda::Function", p["FunctionName"])
    arn = fn.attrs["Arn"] if fn else p["FunctionName"]
    principal = p["Principal"]
    who = {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal}
    cond: dict[str, Any] = {}
    if p.get("SourceArn"):
        cond["ArnLike"] = {"aws:SourceArn": p["SourceArn"]}
    if p.get("SourceAccount"):
        cond["StringEquals"] = {"aws:SourceAccount": p["SourceAccount"]}
    statement = {"Sid": r.logical_id, "Effect": "Allow", "Principal": who, "Action": p["Action"],
                 "Resource": arn, **({"Condition": cond} if cond else {})}
    name = f"function {fn.stack}/{fn.logical_id}" if fn else f"function {arn}"
    add(arn, name, {"Statement": [statement]})
