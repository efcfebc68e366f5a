"""A zone's producers may put objects under ``<zone>/`` of the ingress bucket — nothing else:
no read, no list, no delete, no other prefix, the lake key only through S3 for that bucket."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import s3_statements


class ProducerAccess(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, ingress: s3.IBucket,
                 producers: Sequence[iam.IRole], policy_name: str) -> None:
        super().__init__(scope, id)
        self.prefix = f"{zone}/"
        self.policy = iam.ManagedPolicy(
            self, "Policy", managed_policy_name=policy_name,  # what an Identity Center permission set references
            description=f"Drop files into insight zone '{zone}' (ingress/{self.prefix} only)",
            statements=s3_statements(ingress, prefixes=[self.prefix], write=True), roles=list(producers))
