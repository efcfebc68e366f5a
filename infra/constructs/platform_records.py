"""Platform records as Athena tables: the Glue database ``platform`` with one table per history
record (``runs``, ``quality_results``, ``approvals``, ``erasures``) over the JSON objects the tasks
write under ``_platform/<table>/zone=<zone>/`` of the staging bucket (lake/backends/athena_records.py).

The ``zone`` partition is projected (no crawler, no partition writes): its values are the zones,
plus ``_none`` for rows that belong to none. A zone's readers see their own rows only: each zone
stack adds one Lake Formation data cells filter per table (``zone = '<zone>'``, all columns) and
grants SELECT on the filter, not on the table (``ZoneRecordFilters``).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_lakeformation as lf
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.principals import lf_principal
from infra.settings import catalog_prefix_of
from lake.backends.athena_records import HISTORY, NO_ZONE, PREFIX, columns, table_prefix
from lake.namespace import platform_database


def database_name(scope: Construct) -> str:
    """``platform``, the name users write (platform.runs, as locally), in the stage's catalog namespace."""
    return platform_database(catalog_prefix_of(scope))

JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"


class PlatformRecordTables(Construct):
    def __init__(self, scope: Construct, id: str, *, bucket: s3.IBucket, zones: Sequence[str]) -> None:
        super().__init__(scope, id)
        account = Stack.of(self).account
        root = f"s3://{bucket.bucket_name}/{PREFIX}"
        DATABASE = database_name(self)  # noqa: N806
        self.database = glue.CfnDatabase(self, "Database", catalog_id=account, database_input=glue.CfnDatabase.
                                         DatabaseInputProperty(name=DATABASE, location_uri=root,
                                                               description="Insight Lake platform records",
                                                               create_table_default_permissions=[]))
        self.tables: dict[str, glue.CfnTable] = {}
        for name in HISTORY:
            location = f"s3://{bucket.bucket_name}/{table_prefix(name)}"
            table = glue.CfnTable(
                self, name.title().replace("_", ""), catalog_id=account, database_name=DATABASE,
                table_input=glue.CfnTable.TableInputProperty(
                    name=name, table_type="EXTERNAL_TABLE", description=f"platform.{name} (one JSON object per row)",
                    partition_keys=[glue.CfnTable.ColumnProperty(name="zone", type="string")],
                    parameters={"classification": "json", "projection.enabled": "true",
                                "projection.zone.type": "enum", "projection.zone.values": ",".join([*zones, NO_ZONE]),
                                "storage.location.template": f"{location}zone=${{zone}}/"},
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        location=location,
                        columns=[glue.CfnTable.ColumnProperty(name=c, type=t) for c, t in columns(name)],
                        input_format="org.apache.hadoop.mapred.TextInputFormat",
                        output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                        serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=JSON_SERDE))))
            table.add_dependency(self.database)
            self.tables[name] = table


class ZoneRecordFilters(Construct):
    """A zone's rows of every platform table: one data cells filter per table, SELECT for its readers."""

    def __init__(self, scope: Construct, id: str, *, zone: str, readers: Sequence[str]) -> None:
        super().__init__(scope, id)
        account, DATABASE = Stack.of(self).account, database_name(self)  # noqa: N806
        self.filters: dict[str, lf.CfnDataCellsFilter] = {}
        for name in HISTORY:
            cid = name.title().replace("_", "")
            f = lf.CfnDataCellsFilter(
                self, f"{cid}Rows", table_catalog_id=account, database_name=DATABASE, table_name=name,
                name=f"{zone}_rows", row_filter=lf.CfnDataCellsFilter.RowFilterProperty(
                    filter_expression=f"zone = '{zone}'"),
                column_wildcard=lf.CfnDataCellsFilter.ColumnWildcardProperty(excluded_column_names=[]))
            self.filters[name] = f
            for i, arn in enumerate(readers):
                grant = lf.CfnPrincipalPermissions(
                    self, f"{cid}Reader{i}", permissions=["SELECT"], permissions_with_grant_option=[],
                    principal=lf.CfnPrincipalPermissions.DataLakePrincipalProperty(data_lake_principal_identifier=lf_principal(arn)),
                    resource=lf.CfnPrincipalPermissions.ResourceProperty(
                        data_cells_filter=lf.CfnPrincipalPermissions.DataCellsFilterResourceProperty(
                            database_name=DATABASE, name=f"{zone}_rows", table_catalog_id=account,
                            table_name=name)))
                grant.add_dependency(f)
