"""One request against the policies that apply to it, decided as IAM decides within one account:

1. an explicit ``Deny`` in any applicable policy wins;
2. a KMS key: the key policy must allow the principal itself, or allow the account (its root) and so
   delegate to IAM, where an identity policy must then allow;
3. anything else: an ``Allow`` in the principal's identity policies OR in the resource policy (naming
   the principal itself; a resource policy naming the account grants nothing by itself);
4. otherwise the implicit deny.

Service principals (``cloudwatch.amazonaws.com``) have no identity policies: only a resource policy can
allow them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lake.twin.access.conditions import Unknown, holds
from lake.twin.access.wildcards import action_match, arn_match


@dataclass(frozen=True)
class Request:
    principal: str  # a role ARN or a service principal (``events.amazonaws.com``)
    action: str  # ``s3:GetObject``
    resource: str  # an ARN, or ``*`` for actions without resource-level permissions
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)  # lower-case condition keys

    @property
    def is_service(self) -> bool:
        return not self.principal.startswith("arn:")

    @property
    def account(self) -> str:
        return "" if self.is_service else self.principal.split(":")[4]


@dataclass(frozen=True)
class Statement:
    where: str  # "role X's policy Y, statement Sid" — how a failure or an unused statement is named
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] | None = None
    principals: Mapping[str, tuple[str, ...]] | None = None  # resource policies only
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _tuple(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, list) else (str(v),)


def _principal_map(p: Any) -> dict[str, tuple[str, ...]]:
    if p == "*":
        return {"AWS": ("*",)}
    return {k: _tuple(v) for k, v in p.items()}


def parse(document: Mapping[str, Any], where: str) -> list[Statement]:
    """A policy document's statements (already resolved: no intrinsic functions left)."""
    raw = document.get("Statement", [])
    out = []
    for i, s in enumerate([raw] if isinstance(raw, dict) else raw):
        name = f"{where}, statement {s['Sid'] if s.get('Sid') else '#' + str(i + 1)}"
        out.append(Statement(
            where=name, effect=s["Effect"],
            actions=_tuple(s["Action"]) if "Action" in s else (),
            not_actions=_tuple(s["NotAction"]) if "NotAction" in s else None,
            resources=_tuple(s["Resource"]) if "Resource" in s else (),
            not_resources=_tuple(s["NotResource"]) if "NotResource" in s else None,
            principals=_principal_map(s["Principal"]) if "Principal" in s else None,
            not_principals=_principal_map(s["NotPrincipal"]) if "NotPrincipal" in s else None,
            condition=s.get("Condition", {})))
    return out


# How a statement's Principal relates to the request's principal.
DIRECT, ACCOUNT, NONE = "direct", "account", "none"


def _principal_kind(st: Statement, req: Request) -> str:
    if st.principals is None:  # identity policy: the principal is the one it is attached to
        return DIRECT
    if st.not_principals is not None:
        raise Unknown("NotPrincipal")
    kind = NONE
    for ptype, values in st.principals.items():
        for v in values:
            if v == "*" and ptype == "AWS":
                return DIRECT
            if ptype == "Service" and req.is_service and v == req.principal:
                return DIRECT
            if ptype == "AWS" and not req.is_service:
                if v == req.principal:
                    return DIRECT
                if v in (req.account, f"arn:aws:iam::{req.account}:root"):
                    kind = ACCOUNT
    return kind


def _applies(st: Statement, req: Request) -> bool:
    """Action and resource match (conditions aside)."""
    if st.not_actions is not None:
        if any(action_match(a, req.action) for a in st.not_actions):
            return False
    elif not any(action_match(a, req.action) for a in st.actions):
        return False
    if any("${" in r for r in (*st.resources, *(st.not_resources or ()))):
        raise Unknown(f"policy variable in {st.where}")
    if st.not_resources is not None:
        return not any(arn_match(r, req.resource) for r in st.not_resources)
    return any(arn_match(r, req.resource) for r in st.resources)


@dataclass
class Matches:
    allow: list[Statement] = field(default_factory=list)
    allow_account: list[Statement] = field(default_factory=list)  # resource policy Allow naming the account
    deny: list[Statement] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def match(statements: Iterable[Statement], req: Request) -> Matches:
    m = Matches()
    for st in statements:
        try:
            kind = _principal_kind(st, req)
            if kind == NONE or not _applies(st, req) or not holds(st.condition, req.context):
                continue
        except Unknown as err:
            m.unknown.append(f"{st.where}: {err} (not modelled: the statement is taken as not matching)")
            continue
        if st.effect == "Deny":
            m.deny.append(st)  # a Deny naming the account applies to all of its principals
        elif kind == DIRECT:
            m.allow.append(st)
        else:
            m.allow_account.append(st)
    return m


@dataclass
class Decision:
    request: Request
    allowed: bool
    by: list[Statement] = field(default_factory=list)  # the Allow statements that let it through
    denied_by: Statement | None = None
    missing: str = ""  # what is lacking, in words
    unknown: list[str] = field(default_factory=list)


def decide(req: Request, identity: Sequence[Statement], resource: Sequence[Statement] | None, *,
           kms_key: bool = False, identity_name: str = "", resource_name: str = "") -> Decision:
    """``identity``: the principal's identity policies' statements (none for a service principal);
    ``resource``: the resource policy's, or None when the resource has no policy."""
    ids = match(identity if not req.is_service else (), req)
    res = match(resource or (), req)
    unknown = ids.unknown + res.unknown
    deny = next(iter(ids.deny + res.deny), None)
    if deny is not None:
        return Decision(req, False, denied_by=deny, missing=f"explicitly denied by {deny.where}", unknown=unknown)
    what = f"Allow {req.action} on {req.resource}"
    if kms_key:
        if res.allow:
            return Decision(req, True, by=res.allow + ids.allow, unknown=unknown)
        if res.allow_account and ids.allow:
            return Decision(req, True, by=ids.allow + res.allow_account, unknown=unknown)
        if res.allow_account:
            missing = f"needs {what} in {identity_name or req.principal}'s policy (the key delegates to IAM)"
        elif req.is_service:
            missing = f"needs {what} for {req.principal} in {resource_name or 'the key'}'s policy"
        else:
            missing = (f"needs {what} in {resource_name or 'the key'}'s policy (for the role, or for the account "
                       f"and then in {identity_name or req.principal}'s policy)")
        return Decision(req, False, missing=missing, unknown=unknown)
    if ids.allow or res.allow:
        return Decision(req, True, by=ids.allow + res.allow, unknown=unknown)
    if req.is_service:
        missing = f"needs {what} for {req.principal} in {resource_name or 'the resource'}'s policy"
    elif resource is None:
        missing = f"needs {what} in {identity_name or req.principal}'s policy"
    else:
        missing = f"needs {what} in {identity_name or req.principal}'s policy or {resource_name}'s policy"
    return Decision(req, False, missing=missing, unknown=unknown)
