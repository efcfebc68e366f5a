"""cdk-nag: the rule packs every synth runs, and every acknowledgment, each scoped to one
resource and one finding id with a reason a reviewer would accept.

cdk-nag 3 runs as a CDK validation plugin (``Validations.of(app).add_plugins``); an
unacknowledged finding fails ``cdk synth`` (and the tests). Finding ids that name a
resource are computed from the construct here, never copied as hashed logical ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, App, CfnElement, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

if TYPE_CHECKING:
    from infra.composer import Lake

OBJECT_WILDCARD = ("Object-level permissions must name keys with a wildcard: the keys are generated "
                   "at run time (per ingest). The bucket and, where given, the zone prefix are fixed.")


def enable(app: App) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def _ack(construct: IConstruct, finding: str, reason: str) -> None:
    pack = finding.split("-")[0]
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{pack}::{finding}", reason=reason))


def _ref(scope: IConstruct, bucket: s3.IBucket) -> str:
    """How cdk-nag prints a bucket's ARN in a finding id, from where it is used."""
    cfn = bucket.node.default_child
    assert isinstance(cfn, CfnElement)
    return f"<{Stack.of(cfn).get_logical_id(cfn)}.Arn>"


def _ack_objects(policy_owner: iam.Role, bucket: s3.IBucket, prefix: str = "") -> None:
    policy = policy_owner.node.find_child("DefaultPolicy").node.default_child
    assert policy is not None
    _ack(policy, f"AwsSolutions-IAM5[Resource::{_ref(policy, bucket)}/{prefix}*]", OBJECT_WILDCARD)


def acknowledge(lake: Lake) -> None:
    storage = lake.storage
    _ack(storage.access_logs.node.default_child, "AwsSolutions-S1",
         "This is the server-access-log target of every other bucket; logging it into itself would loop.")
    for bucket in storage.data_buckets.values():
        _ack_objects(storage.lake_formation.registration_role, bucket)
