"""Lake Formation for the account, in one place: administrators, no IAM-only defaults,
and every data bucket registered with a dedicated role (not the service-linked role, so
its permissions are visible and scoped here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import DefaultStackSynthesizer, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lakeformation as lakeformation
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import grant_s3
from infra.principals import lf_principal


class LakeFormationSettings(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        admins: Sequence[str],
        data_buckets: Mapping[str, s3.IBucket],
        manage_settings: bool = True,
    ) -> None:
        super().__init__(scope, id)
        synthesizer = Stack.of(self).synthesizer
        deployer = ([Fn.sub(synthesizer.cloud_formation_execution_role_arn)]
                    if isinstance(synthesizer, DefaultStackSynthesizer) else [])
        # The CloudFormation execution role must be an administrator, or the zone stacks
        # could not create LF-tags and grants; the humans come from cdk.json context.
        # APPEND, not CloudFormation's default REPLACE: the account's other administrators (and
        # its default permissions, which other workloads may rely on) stay as they are. The lake's
        # own databases refuse IAMAllowedPrincipals on their tables instead (ZoneDatabases,
        # PlatformRecordTables), so Lake Formation stays the only way into the lake's data.
        # One per account and region: of two stages sharing one, only the owner sets it, naming both
        # stages' admins (the deployer role is the same for both: one CDK bootstrap per account and region).
        self.settings = lakeformation.CfnDataLakeSettings(
            self, "Settings",
            mutation_type="APPEND",
            admins=[lakeformation.CfnDataLakeSettings.DataLakePrincipalProperty(
                data_lake_principal_identifier=lf_principal(a)) for a in [*admins, *deployer]],
        ) if manage_settings else None

        self.registration_role = iam.Role(
            self, "RegistrationRole",
            assumed_by=iam.ServicePrincipal("lakeformation.amazonaws.com"),
            description="Lake Formation vends credentials for the lake's data buckets with this role",
        )
        for name, bucket in data_buckets.items():
            # Lake Formation vends credentials for reads, writes and deletes (DELETE grants).
            grant_s3(self.registration_role, bucket, read=True, write=True, delete=True)
            resource = lakeformation.CfnResource(
                self, f"Register{name.title()}",
                resource_arn=bucket.bucket_arn,
                use_service_linked_role=False,
                role_arn=self.registration_role.role_arn,
            )
            if self.settings is not None:
                resource.node.add_dependency(self.settings)
