"""CloudFormation intrinsic functions, resolved the way CloudFormation resolves them at deploy:
``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::ImportValue``
(cross-stack references are exports of earlier stacks) and the pseudo parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Unresolved(KeyError):
    """A reference to a resource not created yet (or never): the caller orders creation by it."""


NO_VALUE = object()  # AWS::NoValue: the property is left out


@dataclass
class Scope:
    """What one stack's expressions can see."""

    stack_name: str
    account: str
    region: str
    refs: dict[str, Any] = field(default_factory=dict)  # logical id -> Ref value
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> attribute -> value
    exports: dict[str, Any] = field(default_factory=dict)  # export name -> value (all stacks so far)
    parameters: dict[str, Any] = field(default_factory=dict)

    def pseudo(self, name: str) -> Any:
        return {"AWS::AccountId": self.account, "AWS::Region": self.region, "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": self.stack_name, "AWS::NoValue": NO_VALUE,
                "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/twin",
                "AWS::NotificationARNs": []}.get(name)


def references(node: Any) -> set[str]:
    """Logical ids an expression depends on (Ref, GetAtt, and ${X} inside Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if "Ref" in node and len(node) == 1 and not str(node["Ref"]).startswith("AWS::"):
            found.add(node["Ref"])
        elif "Fn::GetAtt" in node and len(node) == 1:
            target = node["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".")[0])
        elif "Fn::Sub" in node and len(node) == 1:
            arg = node["Fn::Sub"]
            text, names = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            found |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)
                      if not m.startswith("AWS::") and m not in names}
            found |= references(names)
        else:
            for v in node.values():
                found |= references(v)
    elif isinstance(node, list):
        for v in node:
            found |= references(v)
    return found


def resolve(node: Any, scope: Scope) -> Any:
    if isinstance(node, list):
        return [v for v in (resolve(x, scope) for x in node) if v is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, arg), = node.items()
        fn = _FUNCTIONS.get(key)
        if fn is not None:
            return fn(arg, scope)
    out = {}
    for k, v in node.items():
        r = resolve(v, scope)
        if r is not NO_VALUE:
            out[k] = r
    return out


def _ref(name: str, scope: Scope) -> Any:
    if name.startswith("AWS::"):
        return scope.pseudo(name)
    if name in scope.parameters:
        return scope.parameters[name]
    if name not in scope.refs:
        raise Unresolved(name)
    return scope.refs[name]


def _get_att(arg: Any, scope: Scope) -> Any:
    logical, attr = (arg if isinstance(arg, list) else str(arg).split(".", 1))
    attr = resolve(attr, scope)
    if logical not in scope.attrs:
        raise Unresolved(logical)
    try:
        return scope.attrs[logical][attr]
    except KeyError:
        raise Unresolved(f"{logical}.{attr}") from None


def _sub(arg: Any, scope: Scope) -> str:
    text, names = (arg[0], resolve(arg[1], scope)) if isinstance(arg, list) else (arg, {})

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in names:
            return str(names[name])
        if "." in name and not name.startswith("AWS::"):
            return str(_get_att(name, scope))
        return str(_ref(name, scope))

    return re.sub(r"\$\{([^}]*)\}", one, text)


def _join(arg: Any, scope: Scope) -> str:
    sep, items = arg
    return str(resolve(sep, scope)).join(str(x) for x in resolve(items, scope))


def _select(arg: Any, scope: Scope) -> Any:
    index, items = resolve(arg, scope)
    return items[int(index)]


def _split(arg: Any, scope: Scope) -> list[str]:
    sep, text = resolve(arg, scope)
    return str(text).split(sep)


def _import(arg: Any, scope: Scope) -> Any:
    name = resolve(arg, scope)
    if name not in scope.exports:
        raise Unresolved(f"export {name}")
    return scope.exports[name]


def _if(arg: Any, scope: Scope) -> Any:  # conditions: the lake's templates use none; fail loudly if one appears
    raise NotImplementedError(f"Fn::If {arg}: conditions are not modelled by the twin")


_FUNCTIONS: dict[str, Callable[[Any, Scope], Any]] = {
    "Ref": _ref, "Fn::GetAtt": _get_att, "Fn::Sub": _sub, "Fn::Join": _join, "Fn::Select": _select,
    "Fn::Split": _split, "Fn::ImportValue": _import, "Fn::If": _if,
}
