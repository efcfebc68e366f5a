"""Principals named in ``zone.yaml`` (producers, readers, pii_readers).

A name is an IAM role in the stage's account (``arn:aws:iam::<account>:role/<name>``) unless
it is already an ARN, or the ``lake:principals`` context maps it to one (e.g. an IAM
Identity Center role whose name differs per account). The roles themselves belong to the
identity team; the lake only attaches its policies to them and grants them in Lake Formation.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def principal_arn(scope: Construct, name: str, mapping: Mapping[str, str]) -> str:
    name = mapping.get(name, name)
    if name.startswith("arn:"):
        return name
    return Stack.of(scope).format_arn(service="iam", region="", resource="role", resource_name=name)


def imported_role(scope: Construct, id: str, name: str, mapping: Mapping[str, str]) -> iam.IRole:
    """A role we attach managed policies to; never one we create or whose trust we change."""
    return iam.Role.from_role_arn(scope, id, principal_arn(scope, name, mapping), mutable=False)
