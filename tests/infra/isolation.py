"""Zone isolation, checked on synthesized templates (used for the sample and the 50-zone set).

A zone principal (producer, reader, PII reader) and a zone's job roles may only be granted:
  - by tag expression on ``zone=<their zone>`` (never another zone's value), or
  - on ``shared_with_<their zone>`` with ``sensitivity=general`` only (published tables);
  - SELECT on a platform table's data cells filter ``zone = '<their zone>'``;
never a data location, never landing; general readers never ``sensitivity=pii``. Which tables
carry ``shared_with_Z`` is decided by the governor's plan, checked separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from lake.config import LakeConfig
from tests.infra.helpers import role_name

READABLE = {"staging", "ods", "analytics"}


@dataclass(frozen=True)
class Membership:
    readers: dict[str, set[str]]      # role name -> zones it reads
    pii_readers: dict[str, set[str]]  # role name -> zones whose PII it may read

    @classmethod
    def of(cls, cfg: LakeConfig) -> Membership:
        readers: dict[str, set[str]] = {}
        pii: dict[str, set[str]] = {}
        for z in cfg.zones.values():
            for r in z.spec.readers:
                readers.setdefault(r, set()).add(z.name)
            for r in z.spec.pii_readers:
                readers.setdefault(r, set()).add(z.name)
                pii.setdefault(r, set()).add(z.name)
        return cls(readers, pii)


def grant_violations(grant: dict, *, member_of: set[str], pii_of: set[str], who: str) -> list[str]:
    """Problems with one grant to a principal that belongs to the zones ``member_of``."""
    out = []
    if grant["type"] == "ROW_FILTER":  # a platform table's rows: exactly one of its own zones', read only
        zone = (grant["rows"] or "").removeprefix("zone = '").removesuffix("'")
        if grant["rows"] != f"zone = '{zone}'" or zone not in member_of:
            out.append(f"{who}: rows of {grant['table']} where {grant['rows']}, member of {sorted(member_of)}")
        if grant["permissions"] != {"SELECT"} or grant["grantable"]:
            out.append(f"{who}: {sorted(grant['permissions'])} on rows of {grant['table']}")
        return out
    if grant["type"] in ("DATA_LOCATION", "OTHER", "LF_TAG"):
        return [f"{who}: a {grant['type']} grant ({grant.get('location') or grant.get('tag') or ''})"]
    exp = grant["expression"]
    shared = {k.removeprefix("shared_with_") for k in exp if k.startswith("shared_with_")}
    if "zone" in exp and not exp["zone"] <= member_of:
        out.append(f"{who}: granted on zone={sorted(exp['zone'])}, member of {sorted(member_of)}")
    if shared and not shared <= member_of:
        out.append(f"{who}: granted on shared_with_{sorted(shared)}, member of {sorted(member_of)}")
    if "zone" not in exp and not shared:
        out.append(f"{who}: grant not scoped to a zone: {exp}")
    if "layer" in exp and not exp["layer"] <= READABLE:
        out.append(f"{who}: granted on layer={sorted(exp['layer'])}")
    if grant["type"] == "TABLE" and "pii" in exp.get("sensitivity", {"pii"}):
        if shared:
            out.append(f"{who}: PII columns across zones via shared_with_{sorted(shared)}")
        elif not exp.get("zone", set()) <= pii_of:
            out.append(f"{who}: PII columns of {sorted(exp.get('zone', set()))} without being a PII reader there")
    if grant["grantable"]:
        out.append(f"{who}: may grant {sorted(grant['grantable'])} onwards")
    return out


def violations(cfg: LakeConfig, grants_by_stack: dict[str, list[dict]],
               job_roles: dict[str, dict[str, str]]) -> list[str]:
    """All isolation problems; ``job_roles[stack]`` maps a zone job role's ARN text to its zone."""
    m = Membership.of(cfg)
    out = []
    for stack, grants in grants_by_stack.items():
        for g in grants:
            name = role_name(g["principal"])
            if g["principal"] in job_roles.get(stack, {}):
                zone = job_roles[stack][g["principal"]]
                if g["type"] == "DATA_LOCATION":
                    continue  # checked by the location test: <bucket>/<zone> only
                out += grant_violations({**g, "grantable": set()}, member_of={zone}, pii_of={zone},
                                        who=f"{stack}: job role of {zone}")
            elif name in m.readers:
                out += grant_violations(g, member_of=m.readers[name], pii_of=m.pii_readers.get(name, set()),
                                        who=f"{stack}: {name}")
    return out


def pair_violations(cfg: LakeConfig, grants: list[dict], a: str, b: str) -> list[str]:
    """Grants that give zone B's readers anything of zone A other than what A publishes to B."""
    m = Membership.of(cfg)
    spec_b = cfg.zones[b].spec
    principals = set(spec_b.readers) | set(spec_b.pii_readers)
    out = []
    for g in grants:
        name = role_name(g["principal"])
        if name not in principals or g["type"] not in ("DATABASE", "TABLE"):
            continue
        exp = g["expression"]
        if a in exp.get("zone", set()) and a not in m.readers.get(name, set()):
            out.append(f"{b} reader {name} granted on zone={a}")
        if f"shared_with_{a}" in exp and a not in m.readers.get(name, set()):
            out.append(f"{b} reader {name} granted on shared_with_{a}")
    return out
