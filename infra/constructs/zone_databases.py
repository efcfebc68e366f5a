"""A zone's Glue databases, one per readable layer: ``<zone>_staging``, ``<zone>_ods``,
``<zone>_analytics``. Landing has no database: it is never readable by zone readers.

The names are fixed on purpose: they are the table names users write in SQL everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

LAYERS = ("staging", "ods", "analytics")


class ZoneDatabases(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, description: str,
                 buckets: Mapping[str, s3.IBucket]) -> None:
        super().__init__(scope, id)
        account = Stack.of(self).account
        self.databases: dict[str, glue.CfnDatabase] = {}
        for layer in LAYERS:
            name = f"{zone}_{layer}"
            self.databases[layer] = glue.CfnDatabase(
                self, layer.title(),
                catalog_id=account,
                database_input=glue.CfnDatabase.DatabaseInputProperty(
                    name=name,
                    description=f"{description} ({layer})".strip(),
                    # Each zone owns one prefix per layer bucket: IAM scopes by it.
                    location_uri=f"s3://{buckets[layer].bucket_name}/{zone}/",
                ),
            )

    def name(self, layer: str) -> str:
        return str(self.databases[layer].database_input.name)  # type: ignore[union-attr]
