"""Who makes a recorded call: the role of the function, Glue job or state machine the component names,
the function's role for its event source mapping's polling, the rule target's role for EventBridge
starting a state machine; the roles the templates give producers, operators and stewards (external
roles: the call must be allowed to at least one of them); the workgroup's principals for an Athena query."""

from __future__ import annotations

import json
from dataclasses import dataclass

from lake.twin.access.policies import Policies
from lake.twin.deploy import Deployment

# Components that are not the deployment's principals: CloudFormation deploying, and the twin's own
# Athena engine reading the catalog (what AWS reads for a query is the ``athena-query:`` component).
NOT_PRINCIPALS = ("cloudformation", "athena:")
EXTERNAL_ACTORS = ("producer", "operator", "steward")


@dataclass
class Principals:
    arns: list[str]
    any_of: bool = False  # external actors: one of the roles must be allowed
    problem: str = ""


def for_component(dep: Deployment, pol: Policies, component: str, params: dict[str, str]) -> Principals | None:
    kind, _, logical = component.partition(":")
    if component.startswith(NOT_PRINCIPALS):
        return None
    if kind in ("lambda", "glue", "states") and "/" in logical:
        stack, _, lid = logical.partition("/")
        res = next((r for r in dep.resources if r.stack == stack and r.logical_id == lid), None)
        if res is None:
            return Principals([], problem=f"{component}: no such resource in the templates")
        role = res.properties.get("Role") or res.properties.get("RoleArn")
        found = pol.role(str(role))
        return Principals([found.arn]) if found else Principals([], problem=f"{component}: role {role} unknown")
    if component == "lambda-poller":
        return _poller(dep, pol, params)
    if component == "events":
        if not params.get("stateMachineArn"):
            # EventBridge delivering to a queue, topic or function (a drill re-delivers an event): decided
            # per rule target from the templates (derived.py: events.amazonaws.com with the rule's SourceArn).
            return None
        return _rule_target_roles(dep, params["stateMachineArn"])
    if component.startswith("athena-query:"):
        return Principals(sorted(workgroup_principals(dep, logical)))
    if component in EXTERNAL_ACTORS:
        return Principals([r.arn for r in pol.external], any_of=True)
    return Principals([], problem=f"{component}: no principal known for this component")


def _poller(dep: Deployment, pol: Policies, params: dict[str, str]) -> Principals:
    """Lambda's event source mapping polls with the function's execution role."""
    queue = dep.by_ref("AWS::SQS::Queue", params.get("QueueUrl", ""))
    for m in dep.of_type("AWS::Lambda::EventSourceMapping"):
        if queue is not None and m.properties.get("EventSourceArn") == queue.attrs["Arn"]:
            fn = dep.by_ref("AWS::Lambda::Function", m.properties["FunctionName"])
            role = pol.role(fn.properties["Role"]) if fn else None
            if role:
                return Principals([role.arn])
    return Principals([], problem=f"lambda-poller: no event source mapping reads {params.get('QueueUrl')}")


def _rule_target_roles(dep: Deployment, target: str) -> Principals:
    roles = sorted({t["RoleArn"] for r in dep.of_type("AWS::Events::Rule") for t in r.properties.get("Targets", [])
                    if t.get("Arn") == target and t.get("RoleArn")})
    return Principals(roles) if roles else Principals([], problem=f"events: no rule target role starts {target}")


def workgroup_principals(dep: Deployment, workgroup: str) -> set[str]:
    """Roles whose policies let them run queries in ``workgroup``."""
    out = set()
    for res in dep.of_type("AWS::IAM::ManagedPolicy") + dep.of_type("AWS::IAM::Policy"):
        if f":workgroup/{workgroup}" in json.dumps(res.properties.get("PolicyDocument", {})):
            account = dep.assembly.account
            out |= {f"arn:aws:iam::{account}:role/{r}" for r in res.properties.get("Roles", [])}
    return out
