"""Catalog governor Lambda: on a Glue "table created/updated" event (or the daily reconcile),
apply the LF-tags ``plan.py`` computes. Idempotent: re-applying the same tags is a no-op."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from infra.governance.runtime.plan import GENERAL, PII, SENSITIVITY, SHARED_PREFIX, SHARED_VALUE, TablePlan, plan
from lake.config import LakeConfig, load_config
from lake.namespace import LAYERS, tag_key
from lake.namespace import database as lake_database

logger = Logger(service="governor")
_cfg: LakeConfig | None = None


def config() -> LakeConfig:
    global _cfg
    if _cfg is None:
        _cfg = load_config(os.environ.get("LAKE_CONFIG") or "insight_zones")
    return _cfg


def apply(lf: Any, catalog_id: str, p: TablePlan) -> None:
    table = {"CatalogId": catalog_id, "DatabaseName": p.database, "Name": p.table}
    for value, columns in ((PII, p.pii_columns), (GENERAL, p.general_columns)):
        for i in range(0, len(columns), 100):
            lf.add_lf_tags_to_resource(
                CatalogId=catalog_id,
                Resource={"TableWithColumns": {**table, "ColumnNames": columns[i:i + 100]}},
                LFTags=[{"CatalogId": catalog_id, "TagKey": tag_key(SENSITIVITY), "TagValues": [value]}])
    current = lf.get_resource_lf_tags(CatalogId=catalog_id, Resource={"Table": table}).get("LFTagsOnTable", [])
    stale = [t for t in current if t["TagKey"].startswith(tag_key(SHARED_PREFIX)) and t["TagKey"] not in p.shared_tags]
    if stale:
        lf.remove_lf_tags_from_resource(CatalogId=catalog_id, Resource={"Table": table},
                                        LFTags=[{"CatalogId": catalog_id, "TagKey": t["TagKey"],
                                                 "TagValues": t["TagValues"]} for t in stale])
    if p.shared_tags:
        lf.add_lf_tags_to_resource(CatalogId=catalog_id, Resource={"Table": table}, LFTags=[
            {"CatalogId": catalog_id, "TagKey": k, "TagValues": [SHARED_VALUE]} for k in sorted(p.shared_tags)])


def govern(glue: Any, lf: Any, catalog_id: str, database: str, tables: list[str] | None = None) -> int:
    cfg, done = config(), 0
    for page in glue.get_paginator("get_tables").paginate(CatalogId=catalog_id, DatabaseName=database):
        for t in page["TableList"]:
            if tables is not None and t["Name"] not in tables:
                continue
            cols = [c["Name"] for c in t.get("StorageDescriptor", {}).get("Columns", []) + t.get("PartitionKeys", [])]
            p = plan(cfg, database, t["Name"], cols)
            if p is not None:
                apply(lf, catalog_id, p)
                done += 1
    return done


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    glue, lf = boto3.client("glue"), boto3.client("lakeformation")
    catalog_id = os.environ["CATALOG_ID"]
    detail = event.get("detail") or {}
    if detail.get("databaseName"):
        # CreateTable names changedTables, UpdateTable tableName (Glue's two event types)
        named = list(detail.get("changedTables") or []) or ([detail["tableName"]] if detail.get("tableName") else [])
        databases = {detail["databaseName"]: named or None}
    else:  # the daily reconcile: every database of every zone
        databases = {lake_database(z, layer): None for z in config().zones for layer in LAYERS}
    governed = 0
    for database, tables in databases.items():
        try:
            governed += govern(glue, lf, catalog_id, database, tables)
        except glue.exceptions.EntityNotFoundException:
            logger.warning("database not found", extra={"database": database})
    logger.info("governed", extra={"tables": governed})
    return {"governed": governed}
