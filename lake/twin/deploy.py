"""Deploy an assembly into moto the way CloudFormation would: stacks in order, each stack's
resources in dependency order (Ref/GetAtt/DependsOn), physical names generated as
CloudFormation generates them, exports passed on to later stacks (Fn::ImportValue).

What each resource type becomes lives in ``lake.twin.resources``; this module only orders,
resolves and records. Nothing here names a resource of the lake."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lake.twin.assembly import Assembly, Stack
from lake.twin.intrinsics import Scope, Unresolved, references, resolve


@dataclass
class Resource:
    stack: str
    logical_id: str
    type: str
    properties: dict[str, Any]  # resolved
    ref: Any = None
    attrs: dict[str, Any] = field(default_factory=dict)
    modelled: bool = True  # False: recorded only (no moto counterpart the scenario needs)


@dataclass
class Deployment:
    assembly: Assembly
    resources: list[Resource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def by_ref(self, type_: str, ref: Any) -> Resource | None:
        return next((r for r in self.of_type(type_) if r.ref == ref or r.attrs.get("Arn") == ref), None)

    def by_arn(self, arn: str) -> Resource | None:
        return next((r for r in self.resources if r.attrs.get("Arn") == arn or r.ref == arn), None)


def physical_name(stack: str, logical: str, *, limit: int = 64, lower: bool = False) -> str:
    """``<stack>-<logical id>-<suffix>``, trimmed to the service's limit, as CloudFormation names."""
    suffix = hashlib.sha256(f"{stack}/{logical}".encode()).hexdigest()[:12].upper()
    head = f"{stack}-{logical}"[: limit - len(suffix) - 1]
    name = f"{head}-{suffix}"
    if lower:
        name = re.sub(r"[^a-z0-9.-]", "-", name.lower())
    return name


def deploy(assembly: Assembly, create: Any) -> Deployment:
    """``create(deployment, resource) -> None`` sets ``ref``/``attrs`` (and makes the moto resource)."""
    dep = Deployment(assembly)
    for stack in assembly.stacks:
        _deploy_stack(dep, stack, create)
    return dep


def _deploy_stack(dep: Deployment, stack: Stack, create: Any) -> None:
    scope = Scope(stack.name, stack.account, stack.region, exports=dep.exports)
    scope.parameters = {k: p.get("Default") for k, p in stack.template.get("Parameters", {}).items()}
    dep.scopes[stack.id] = scope
    pending = dict(stack.resources)
    while pending:
        progressed = False
        for logical, body in list(pending.items()):
            needs = references(body.get("Properties", {})) | set(_depends_on(body))
            if any(n in pending for n in needs):
                continue
            try:
                props = resolve(body.get("Properties", {}), scope)
            except Unresolved as err:
                raise RuntimeError(f"{stack.id}/{logical}: cannot resolve {err}") from err
            res = Resource(stack.id, logical, body["Type"], props)
            create(dep, scope, res)
            scope.refs[logical] = res.ref
            scope.attrs[logical] = res.attrs
            dep.resources.append(res)
            del pending[logical]
            progressed = True
        if not progressed:
            raise RuntimeError(f"{stack.id}: circular references among {sorted(pending)}")
    for out in stack.template.get("Outputs", {}).values():
        value = resolve(out["Value"], scope)
        if "Export" in out:
            dep.exports[resolve(out["Export"]["Name"], scope)] = value


def _depends_on(body: dict[str, Any]) -> list[str]:
    d = body.get("DependsOn", [])
    return [d] if isinstance(d, str) else list(d)
