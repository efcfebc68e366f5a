"""The physical ids a twin run gave each resource (names, ARNs, key ids), saved beside its calls, so
that the access proof can resolve any copy of the templates (e.g. one with a statement removed)
to the same names without deploying it again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lake.twin.assembly import Assembly
from lake.twin.deploy import Deployment, Resource, deploy
from lake.twin.intrinsics import Scope


def save(dep: Deployment, path: Path) -> None:
    out = {f"{r.stack}/{r.logical_id}": {"ref": r.ref, "attrs": dict(r.attrs),
                                         "any": getattr(r.attrs, "arn", None)} for r in dep.resources}
    path.write_text(json.dumps(out, indent=1, sort_keys=True, default=str))


class _Replay:
    """``deploy``'s ``create``: the saved ids; a resource the run did not have gets CloudFormation-shaped
    placeholders (the evaluation then names it as it is)."""

    def __init__(self, saved: dict[str, Any]) -> None:
        self.saved = saved

    def __call__(self, dep: Deployment, scope: Scope, res: Resource) -> None:
        from lake.twin.deploy import physical_name
        from lake.twin.resources import _AnyAttribute

        stack_id = next(s.id for s in dep.assembly.stacks if s.name == scope.stack_name)
        known = self.saved.get(f"{stack_id}/{res.logical_id}")
        if known is None:
            res.ref = physical_name(scope.stack_name, res.logical_id)
            res.attrs = _AnyAttribute(f"arn:aws:twin:{scope.region}:{scope.account}:{res.type}/{res.ref}")
            return
        res.ref = known["ref"]
        if known.get("any"):
            attrs = _AnyAttribute(known["any"])
            attrs.update(known["attrs"])
            res.attrs = attrs
        else:
            res.attrs = known["attrs"]


def replay(assembly: Assembly, saved: Path) -> Deployment:
    """The assembly resolved with a twin run's physical ids: no moto, no processes (about a second)."""
    return deploy(assembly, _Replay(json.loads(saved.read_text())))
