"""A zone's Glue databases, one per readable layer: ``<zone>_staging``, ``<zone>_ods``,
``<zone>_analytics``, each tagged ``zone``, ``layer`` and ``sensitivity=pii`` (fail closed:
tables and columns inherit it until the catalog governor marks non-PII columns ``general``).
Landing has no database: it is never readable by zone readers.

The names are fixed on purpose: they are the table names users write in SQL everywhere (in a
namespaced stage with the stage's catalog prefix: ``dev_finance_ods``, lake/namespace.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_lakeformation as lf
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.lf import LAYER, PII, READABLE_LAYERS, SENSITIVITY, ZONE, key_of
from infra.settings import catalog_prefix_of
from lake.namespace import database


def location(bucket: s3.IBucket, zone: str) -> str:
    # No trailing slash: Iceberg's Glue catalog appends "/<table>" to the database location.
    return f"s3://{bucket.bucket_name}/{zone}"


class ZoneDatabases(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, description: str,
                 buckets: Mapping[str, s3.IBucket]) -> None:
        super().__init__(scope, id)
        account = Stack.of(self).account
        self.databases: dict[str, glue.CfnDatabase] = {}
        for layer in READABLE_LAYERS:
            name = database(zone, layer, catalog_prefix_of(self))
            db = glue.CfnDatabase(
                self, layer.title(),
                catalog_id=account,
                database_input=glue.CfnDatabase.DatabaseInputProperty(
                    name=name,
                    description=f"{description} ({layer})".strip(),
                    location_uri=location(buckets[layer], zone),
                    # No IAMAllowedPrincipals grant on new tables, whatever the account's defaults:
                    # Lake Formation is the only way in (the lake keeps the account's settings).
                    create_table_default_permissions=[],
                ),
            )
            tags = lf.CfnTagAssociation(
                self, f"{layer.title()}Tags",
                lf_tags=[lf.CfnTagAssociation.LFTagPairProperty(catalog_id=account, tag_key=key_of(self, k),
                                                            tag_values=[v])
                         for k, v in ((ZONE, zone), (LAYER, layer), (SENSITIVITY, PII))],
                resource=lf.CfnTagAssociation.ResourceProperty(
                    database=lf.CfnTagAssociation.DatabaseResourceProperty(catalog_id=account, name=name)),
            )
            tags.node.add_dependency(db)
            self.databases[layer] = db

    def name(self, layer: str) -> str:
        return str(self.databases[layer].database_input.name)  # type: ignore[union-attr]
