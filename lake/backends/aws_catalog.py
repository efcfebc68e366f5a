"""The Glue Data Catalog side of staging: ``<zone>_staging.<dataset>`` tables and their
``ingest_date`` partitions, as the validator stages Parquet files on AWS.

The database exists (the zone stack creates it); the table is created on the first staged
file, with the file's own Parquet schema (contract columns plus lineage columns), and grows
when a later file brings new columns (contract evolution). Partitions are added idempotently.
Table and partition locations follow ``lake.ingest.routing.staging_key``:
``s3://<staging>/<zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>.parquet``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from lake.namespace import database

PARTITION = "ingest_date"
PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}


def glue_type(t: pa.DataType) -> str:
    """Arrow type -> Glue/Athena (Hive DDL) type."""
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return {8: "tinyint", 16: "smallint", 32: "int", 64: "bigint"}[t.bit_width]
    if pa.types.is_float32(t):
        return "float"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    raise ValueError(f"no Glue type for Arrow {t}")


def columns(schema: pa.Schema) -> list[dict[str, str]]:
    return [{"Name": f.name, "Type": glue_type(f.type)} for f in schema if f.name != PARTITION]


class GlueCatalog:
    def __init__(self, client: Any | None = None, catalog_id: str | None = None):
        import boto3

        self.glue = client or boto3.client("glue")
        self.catalog = {"CatalogId": catalog_id} if catalog_id else {}

    def _table_input(self, name: str, location: str, cols: list[dict[str, str]]) -> dict[str, Any]:
        return {"Name": name, "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
                "PartitionKeys": [{"Name": PARTITION, "Type": "string"}],
                "StorageDescriptor": {"Columns": cols, "Location": location, **PARQUET}}

    def ensure_staging_table(self, zone: str, dataset: str, bucket: str, schema: pa.Schema) -> None:
        db, location = database(zone, "staging"), f"s3://{bucket}/{zone}/{dataset}/"
        wanted = columns(schema)
        try:
            table = self.glue.get_table(**self.catalog, DatabaseName=db, Name=dataset)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            try:
                self.glue.create_table(**self.catalog, DatabaseName=db,
                                       TableInput=self._table_input(dataset, location, wanted))
                return
            except self.glue.exceptions.AlreadyExistsException:  # a concurrent validator won the race
                table = self.glue.get_table(**self.catalog, DatabaseName=db, Name=dataset)["Table"]
        have = table["StorageDescriptor"]["Columns"]
        known = {c["Name"] for c in have}
        new = [c for c in wanted if c["Name"] not in known]
        if new:  # additive only: a column never disappears from a table with older files
            self.glue.update_table(**self.catalog, DatabaseName=db,
                                   TableInput=self._table_input(dataset, table["StorageDescriptor"]["Location"],
                                                                have + new))

    def add_staged_file(self, zone: str, dataset: str, bucket: str, key: str, schema: pa.Schema) -> str:
        """Register a staged file (``<zone>/<dataset>/ingest_date=D/<id>.parquet``); returns D."""
        parts = key.split("/")
        if len(parts) != 4 or parts[:2] != [zone, dataset] or not parts[2].startswith(f"{PARTITION}="):
            raise ValueError(f"not a staging key of {zone}/{dataset}: {key}")
        day = parts[2].removeprefix(f"{PARTITION}=")
        self.ensure_staging_table(zone, dataset, bucket, schema)
        table = self.glue.get_table(**self.catalog, DatabaseName=database(zone, "staging"), Name=dataset)["Table"]
        sd = {**table["StorageDescriptor"], "Location": f"s3://{bucket}/{zone}/{dataset}/{PARTITION}={day}/"}
        result = self.glue.batch_create_partition(
            **self.catalog, DatabaseName=database(zone, "staging"), TableName=dataset,
            PartitionInputList=[{"Values": [day], "StorageDescriptor": sd}])
        errors = [e for e in result.get("Errors", [])
                  if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"]
        if errors:
            raise RuntimeError(f"Glue refused partition {day} of {zone}_staging.{dataset}: {errors}")
        return day

    def partitions(self, zone: str, dataset: str) -> list[str]:
        pages = self.glue.get_paginator("get_partitions").paginate(
            **self.catalog, DatabaseName=database(zone, "staging"), TableName=dataset)
        return sorted(p["Values"][0] for page in pages for p in page["Partitions"])
