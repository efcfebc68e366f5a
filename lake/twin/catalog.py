"""What Iceberg's GlueCatalog does on every commit, and the swapped catalog cannot: the table in
the Glue Data Catalog (name, columns, ``metadata_location``), and Glue's "Table State Change"
event, which the templates route to the catalog governor (LF-tags per column and per share).
Run by the twin after each Glue job run, for every Iceberg table in the warehouse it changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_TYPES = {"long": "bigint", "int": "int", "string": "string", "double": "double", "float": "float",
          "boolean": "boolean", "date": "date", "timestamptz": "timestamp", "timestamp": "timestamp"}


def iceberg_tables(warehouse: Path) -> dict[tuple[str, str], Path]:
    """(database, table) -> current metadata file."""
    out = {}
    for hint in warehouse.glob("*/*/metadata/version-hint.text"):
        meta = hint.parent / f"v{hint.read_text().strip()}.metadata.json"
        if meta.exists():
            out[(hint.parents[2].name, hint.parents[1].name)] = meta
    return out


def columns(metadata: Path) -> list[dict[str, str]]:
    doc = json.loads(metadata.read_text())
    schema = next(s for s in doc["schemas"] if s["schema-id"] == doc["current-schema-id"])
    return [{"Name": f["name"], "Type": _TYPES.get(f["type"], f["type"]) if isinstance(f["type"], str) else "struct"}
            for f in schema["fields"]]


def register(glue: Any, events: Any, warehouse: Path, location: str, before: dict[tuple[str, str], Path]) -> None:
    """Create or update the Glue table of every Iceberg table whose metadata changed since ``before``."""
    for (db, name), meta in iceberg_tables(warehouse).items():
        if before.get((db, name)) == meta:
            continue
        table = {"Name": name, "TableType": "EXTERNAL_TABLE",
                 "Parameters": {"table_type": "ICEBERG", "metadata_location": f"{location}/{db}/{name}/metadata/"
                                                                          f"{meta.name}"},
                 "StorageDescriptor": {"Location": f"{location}/{db}/{name}", "Columns": columns(meta)}}
        try:
            glue.get_table(DatabaseName=db, Name=name)
            glue.update_table(DatabaseName=db, TableInput=table)
            change = "UpdateTable"
        except glue.exceptions.EntityNotFoundException:
            try:
                glue.create_table(DatabaseName=db, TableInput=table)
            except glue.exceptions.EntityNotFoundException:
                continue  # a database the templates do not create: no Glue table, as GlueCatalog would fail
            change = "CreateTable"
        event = glue_table_event("", glue.meta.region_name, db, name, change)
        events.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                    "Detail": json.dumps(event["detail"])}])


def glue_table_event(account: str, region: str, db: str, name: str, change: str) -> dict[str, Any]:
    """The event Glue sends EventBridge for a catalog change (AWS Glue developer guide, "Automating AWS Glue
    with EventBridge"): CreateTable (and DeleteTable) as a "Database State Change" naming ``changedTables``;
    UpdateTable (and partition changes) as a "Table State Change" naming ``tableName``."""
    detail: dict[str, Any]
    if change in ("CreateTable", "DeleteTable", "BatchDeleteTable"):
        detail_type, detail = "Glue Data Catalog Database State Change", {"changedTables": [name]}
    else:
        detail_type, detail = "Glue Data Catalog Table State Change", {"tableName": name, "changedPartitions": []}
    return {"version": "0", "source": "aws.glue", "detail-type": detail_type, "account": account, "region": region,
            "resources": [f"arn:aws:glue:{region}:{account}:table/{db}/{name}"],
            "detail": {"databaseName": db, "typeOfChange": change, **detail}}
