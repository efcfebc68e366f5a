"""Reading synthesized templates the way a reviewer does: who may do what, on what.

Values are flattened to strings as cdk-nag prints them, except that a cross-stack import of a
storage-stack attribute is shown as the attribute itself (``<IngressBucketXXXX.Arn>``), so the
same resource reads the same in every stack. Logical ids are computed from constructs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from aws_cdk import CfnElement, Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

IMPORT = re.compile(r":ExportsOutput(?:FnGetAtt|Ref)(.+?)(Arn|)[0-9A-F]{8}$")


def flatten(node: Any) -> str:
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, list):
        return json.dumps(node)
    if "Fn::Join" in node:
        sep, items = node["Fn::Join"]
        return sep.join(flatten(i) for i in items)
    if "Fn::GetAtt" in node:
        return "<{}.{}>".format(*node["Fn::GetAtt"])
    if "Fn::ImportValue" in node:
        m = IMPORT.search(node["Fn::ImportValue"])
        return f"<{m.group(1)}.{m.group(2)}>" if m and m.group(2) else f"<{m.group(1) if m else node}>"
    if "Ref" in node:
        return f"<{node['Ref']}>"
    if "Fn::Sub" in node:
        return flatten(node["Fn::Sub"])
    return json.dumps(node, sort_keys=True)


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def lid(construct: IConstruct) -> str:
    cfn = construct if isinstance(construct, CfnElement) else construct.node.default_child
    assert isinstance(cfn, CfnElement)
    return Stack.of(cfn).get_logical_id(cfn)


def arn_ref(construct: IConstruct) -> str:
    """How a storage resource's ARN reads in flattened policies."""
    return f"<{lid(construct)}.Arn>"


def statements(template: Template, *, role_lid: str | None = None, policy_lid: str | None = None) -> Iterator[dict]:
    """Allow statements of the policies attached to one role (inline + managed) or of one policy."""
    for plid, res in template.to_json()["Resources"].items():
        if res["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        roles = res["Properties"].get("Roles") or []
        if (policy_lid and plid == policy_lid) or (role_lid and {"Ref": role_lid} in roles):
            for st in res["Properties"]["PolicyDocument"]["Statement"]:
                if st.get("Effect") == "Allow":
                    yield st


def permissions(template: Template, *, prefix: str = "", **kw: str) -> set[tuple[str, str]]:
    """(action, resource) pairs, optionally only actions starting with ``prefix`` (e.g. ``s3:``)."""
    out = set()
    for st in statements(template, **kw):
        for a in as_list(st["Action"]):
            if a.startswith(prefix):
                out |= {(a, flatten(r)) for r in as_list(st["Resource"])}
    return out


def lf_grants(template: Template) -> list[dict]:
    """Every Lake Formation grant: principal, resource kind, tag expression or location, permissions."""
    out = []
    filters = {(f["Properties"]["TableName"], f["Properties"]["Name"]): f["Properties"]
               for f in template.find_resources("AWS::LakeFormation::DataCellsFilter").values()}
    for res in template.find_resources("AWS::LakeFormation::PrincipalPermissions").values():
        p = res["Properties"]
        resource = p["Resource"]
        grant = {"principal": flatten(p["Principal"]["DataLakePrincipalIdentifier"]),
                 "permissions": set(p["Permissions"]), "grantable": set(p["PermissionsWithGrantOption"])}
        if "LFTagPolicy" in resource:
            pol = resource["LFTagPolicy"]
            grant["type"] = pol["ResourceType"]
            grant["expression"] = {e["TagKey"]: set(e["TagValues"]) for e in pol["Expression"]}
        elif "DataLocation" in resource:
            grant["type"] = "DATA_LOCATION"
            grant["location"] = flatten(resource["DataLocation"]["ResourceArn"])
        elif "DataCellsFilter" in resource:  # rows of a platform table (infra/constructs/platform_records.py)
            ref = resource["DataCellsFilter"]
            f = filters.get((ref["TableName"], ref["Name"]), {})
            grant["type"] = "ROW_FILTER"
            grant["table"] = f"{ref['DatabaseName']}.{ref['TableName']}"
            grant["rows"] = f.get("RowFilter", {}).get("FilterExpression")
            grant["all_columns"] = f.get("ColumnWildcard") == {"ExcludedColumnNames": []}
        elif "LFTag" in resource:
            grant["type"] = "LF_TAG"
            grant["tag"] = resource["LFTag"]["TagKey"]
        else:
            grant["type"] = "OTHER"
            grant["resource"] = resource
        out.append(grant)
    return out


def role_name(principal: str) -> str:
    return principal.rsplit(":role/", 1)[-1]
