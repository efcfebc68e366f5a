"""A zone's Athena workgroup, and the IAM side of reading the zone.

The workgroup enforces its configuration (users cannot redirect results or turn off
encryption): engine v3, results KMS-encrypted under the zone's own prefix of the results
bucket, a bytes-scanned cutoff per query, CloudWatch metrics. The readers' managed policy
lets them run queries in this workgroup only and call the Glue catalog for exactly the
databases and tables Lake Formation may grant them; Lake Formation decides the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import s3_statements
from infra.constructs.platform_records import database_name as platform_database
from infra.lf import READABLE_LAYERS
from infra.settings import catalog_prefix_of
from lake.namespace import database, physical_table

QUERY_ACTIONS = ["athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
                 "athena:GetQueryResults", "athena:BatchGetQueryExecution", "athena:ListQueryExecutions",
                 "athena:GetWorkGroup"]
CATALOG_ACTIONS = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
                   "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"]


class ZoneWorkgroup(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, name: str, results: s3.IBucket, key: kms.IKey,
                 bytes_scanned_cutoff: int, shared_tables: Sequence[str], readers: Sequence[iam.IRole]) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        wg = athena.CfnWorkGroup
        self.prefix = f"{zone}/"
        self.workgroup = wg(
            self, "Workgroup", name=name, state="ENABLED",
            description=f"Insight zone '{zone}': the only place its readers run queries",
            work_group_configuration=wg.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=bytes_scanned_cutoff,
                engine_version=wg.EngineVersionProperty(selected_engine_version="Athena engine version 3"),
                result_configuration=wg.ResultConfigurationProperty(
                    output_location=f"s3://{results.bucket_name}/{self.prefix}",
                    expected_bucket_owner=stack.account,
                    encryption_configuration=wg.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn)),
            ),
        )
        workgroup_arn = stack.format_arn(service="athena", resource="workgroup", resource_name=name)

        # platform.* (runs, quality results, ...): Lake Formation's data cells filters give each zone its rows.
        prefix = catalog_prefix_of(self)
        databases = [database(zone, layer, prefix) for layer in READABLE_LAYERS] + [platform_database(self)]
        glue_resources = [stack.format_arn(service="glue", resource="catalog")]
        glue_resources += [stack.format_arn(service="glue", resource="database", resource_name=d) for d in databases]
        glue_resources += [stack.format_arn(service="glue", resource="table", resource_name=f"{d}/*")
                           for d in databases]
        for table in sorted(shared_tables):
            db, name_ = physical_table(table, prefix).split(".")
            glue_resources += [stack.format_arn(service="glue", resource="database", resource_name=db),
                               stack.format_arn(service="glue", resource="table", resource_name=f"{db}/{name_}")]

        statements = [
            iam.PolicyStatement(sid="QueryInTheZoneWorkgroup", actions=QUERY_ACTIONS, resources=[workgroup_arn]),
            iam.PolicyStatement(sid="ReadTheZoneCatalog", actions=CATALOG_ACTIONS, resources=glue_resources),
            # Lake Formation vends the data credentials; which tables and columns is its decision.
            iam.PolicyStatement(sid="LakeFormationDataAccess", actions=["lakeformation:GetDataAccess"],
                                resources=["*"]),
            # The catalog is encrypted with the lake key; decrypting it is only possible through Glue.
            iam.PolicyStatement(sid="DecryptCatalogThroughGlue", actions=["kms:Decrypt"], resources=[key.key_arn],
                                conditions={"StringEquals": {"kms:ViaService": f"glue.{stack.region}.amazonaws.com"}}),
            *s3_statements(results, prefixes=[self.prefix], read=True, write=True),
        ]
        self.reader_policy = iam.ManagedPolicy(
            self, "ReaderPolicy", managed_policy_name=f"{name}-readers",  # what a permission set references
            description=f"Query insight zone '{zone}' through its Athena workgroup",
            statements=statements, roles=list(readers))
