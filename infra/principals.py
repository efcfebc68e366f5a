"""Principals named in ``zone.yaml`` (producers, readers, pii_readers).

A name is an IAM role in the stage's account (``arn:aws:iam::<account>:role/<name>``) unless
it is already an ARN, or the ``lake:principals`` context maps it to one (e.g. an IAM
Identity Center role whose name differs per account). The roles themselves belong to the
identity team; the lake only attaches its policies to them and grants them in Lake Formation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

SSO_PATH = "/aws-reserved/sso.amazonaws.com/"


def is_sso_role(arn: str) -> bool:
    """A role of an IAM Identity Center permission set: Identity Center owns it, nobody may attach to it."""
    return ":role" + SSO_PATH in arn if arn.startswith("arn:") else False


def lf_principal(arn: str) -> str:
    """The identifier Lake Formation knows a role by: its ARN without the path (a session of a role
    carries no path, and LF matches the assumed role's ARN), e.g. Identity Center's
    ``role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_x`` -> ``role/AWSReservedSSO_x``."""
    if not arn.startswith("arn:") or ":role/" not in arn:
        return arn
    head, name = arn.split(":role/", 1)
    return f"{head}:role/{name.rsplit('/', 1)[-1]}"


def attachable(arns: Sequence[str]) -> list[str]:
    """The roles the lake may attach its managed policies to: never Identity Center's (their permission
    set references the policy by name instead, README "Deploy prerequisites")."""
    return [a for a in arns if not is_sso_role(a)]


def principal_arn(scope: Construct, name: str, mapping: Mapping[str, str]) -> str:
    name = mapping.get(name, name)
    if name.startswith("arn:"):
        return name
    return Stack.of(scope).format_arn(service="iam", region="", resource="role", resource_name=name)


def imported_role(scope: Construct, id: str, name: str, mapping: Mapping[str, str]) -> iam.IRole:
    """A role we attach managed policies to; never one we create or whose trust we change."""
    return iam.Role.from_role_arn(scope, id, principal_arn(scope, name, mapping), mutable=False)
