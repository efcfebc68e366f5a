"""The access proof: every recorded call of a twin run and every call AWS makes on the deployment's
behalf, decided against the synthesized policies. A call not allowed is a failure naming the
component, the action, the resource and the statement it lacks; the Allow statements that no call
needed are each role's unused permissions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lake.twin.access import derived, principals
from lake.twin.access.actions import Naming, Need, needs
from lake.twin.access.policies import Policies, collect
from lake.twin.access.policy import Decision, Request, Statement, decide
from lake.twin.deploy import Deployment


@dataclass
class Proof:
    policies: Policies
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # Statement.where of every Allow a call needed

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unknown

    def problems(self) -> list[str]:
        return [f"access: {f}" for f in self.failures] + [f"access: cannot decide: {u}" for u in self.unknown]

    def unused(self) -> dict[str, list[Statement]]:
        """Per role (label), its Allow statements no call needed."""
        out: dict[str, list[Statement]] = {}
        for role in self.policies.roles.values():
            idle = [s for s in role.statements if s.effect == "Allow" and s.where not in self.used]
            if idle:
                out[role.label] = idle
        return out


def _context(principal: str, need: Need) -> dict[str, list[str]]:
    ctx: dict[str, list[str]] = {"aws:securetransport": ["true"]}  # the SDKs call over TLS 1.2+
    if need.action.startswith("s3:"):
        ctx["s3:tlsversion"] = ["1.3"]
    if principal.startswith("arn:"):
        ctx |= {"aws:principalarn": [principal], "aws:principalaccount": [principal.split(":")[4]],
                "aws:principaltype": ["AssumedRole"]}
    else:
        ctx |= {"aws:principalservicename": [principal], "aws:principalisawsservice": ["true"]}
    ctx |= need.context
    ec_keys = [k.split(":", 2)[2] for k in need.context if k.startswith("kms:encryptioncontext:")]
    if ec_keys:
        ctx["kms:encryptioncontextkeys"] = ec_keys
    return ctx


def _policy_arn(need: Need) -> str:
    if need.resource.startswith("arn:aws:s3:::"):
        return need.resource.split("/", 1)[0]
    if need.resource.startswith("arn:aws:lambda:"):
        return ":".join(need.resource.split(":")[:7])
    return need.resource


class _Evaluator:
    def __init__(self, dep: Deployment) -> None:
        self.policies = collect(dep)
        self.proof = Proof(self.policies)
        self._cache: dict[Any, Decision] = {}
        for role in self.policies.roles.values():
            self.proof.failures += role.problems

    def decide(self, principal: str, need: Need) -> Decision:
        ctx = _context(principal, need)
        key = (principal, need.action, need.resource, json.dumps(ctx, sort_keys=True))
        if key not in self._cache:
            role = self.policies.role(principal) if principal.startswith("arn:") else None
            target = _policy_arn(need)
            resource = self.policies.resource.get(target)
            self._cache[key] = decide(
                Request(principal, need.action, need.resource, ctx), role.statements if role else [], resource,
                kms_key=need.kms, identity_name=role.label if role else principal,
                resource_name=self.policies.resource_names.get(target, target))
        return self._cache[key]

    def check(self, component: str, arns: list[str], need: Need, any_of: bool = False) -> None:
        self.proof.checked += 1
        decisions = [self.decide(a, need) for a in arns]
        for d in decisions:
            self.proof.unknown += [u for u in d.unknown if u not in self.proof.unknown]
        allowed = [d for d in decisions if d.allowed]
        for d in allowed:
            self.proof.used |= {s.where for s in d.by}
        if any_of and allowed:
            return
        for d in decisions if not any_of else decisions[:1]:
            if not d.allowed:
                who = _who(self.policies, d.request.principal) if not any_of else "any of the external roles"
                msg = f"{component} as {who}: {need.action} on {need.resource} is denied: {d.missing}"
                if msg not in self.proof.failures:
                    self.proof.failures.append(msg)


def _who(pol: Policies, principal: str) -> str:
    role = pol.role(principal)
    return role.label if role else principal


def evaluate(dep: Deployment, calls: Iterable[dict[str, Any]]) -> Proof:
    ev = _Evaluator(dep)
    n = Naming(dep)
    seen: set[str] = set()
    for call in calls:
        key = json.dumps(call, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        who = principals.for_component(dep, ev.policies, call["component"], call["resources"])
        if who is None:
            continue
        if who.problem:
            if f"{who.problem}" not in ev.proof.failures:
                ev.proof.failures.append(who.problem)
            continue
        for need in needs(n, call["action"], call["resources"]):
            ev.check(call["component"], who.arns, need, any_of=who.any_of)
        if call["component"].startswith("athena-query:") and call["action"] == "glue:GetTable":
            res = call["resources"]
            for ob in derived.lake_formation_reads(n, dep, res.get("DatabaseName", ""), res.get("Name", "")):
                ev.check(ob.component, [ob.principal], ob.need)
    for ob in derived.derive(dep):
        role = ev.policies.role(ob.principal) if ob.principal.startswith("arn:") else None
        ev.check(ob.component, [role.arn if role else ob.principal], ob.need)
    return ev.proof


_HASH = re.compile(r"[0-9A-F]{8}$")


def statement_key(role_label: str, st: Statement) -> str:
    """A name for an unused statement that survives re-synthesis and is shared by every zone's copy:
    ``Zone-*/ToOdsRole: glue:CreateTable glue:GetTable …``."""
    owner = role_label.removeprefix("role ")
    if "/" not in owner:  # an external role: named by the templates' policy that it holds
        owner = st.where.split("'s policy ", 1)[-1].split(",", 1)[0] + " (external role)"
    owner = re.sub(r"^Zone-[^/]+/", "Zone-*/", owner)
    owner = "/".join(_HASH.sub("", part) for part in owner.split("/"))
    actions = " ".join(sorted(st.actions)) if st.actions else "NotAction " + " ".join(sorted(st.not_actions or ()))
    return f"{owner}: {actions}"
