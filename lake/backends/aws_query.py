"""Queries on AWS: Athena SQL (the lake's one dialect) as an insight zone, through awswrangler.

A zone queries in its own workgroup (``<prefix>-<zone>``, created by its zone stack), which
enforces the result location, its encryption and the bytes-scanned cutoff; Lake Formation
decides which tables and columns the caller's role sees. Results come back as an Arrow table,
typed from Athena's result metadata, like the local DuckDB engine's.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pyarrow as pa

from lake.namespace import database, physical_database
from lake.namespace_sql import qualify

_ARROW = {"boolean": pa.bool_(), "tinyint": pa.int8(), "smallint": pa.int16(), "integer": pa.int32(),
          "bigint": pa.int64(), "float": pa.float32(), "double": pa.float64(), "real": pa.float32(),
          "date": pa.date32(), "timestamp": pa.timestamp("ms")}


def _arrow_type(info: dict[str, Any]) -> pa.DataType:
    t = info["Type"].lower()
    if t == "decimal":
        return pa.decimal128(int(info.get("Precision") or 38), int(info.get("Scale") or 0))
    return _ARROW.get(t, pa.string())


def _value(text: str | None, t: pa.DataType) -> Any:
    if text is None:
        return None
    if pa.types.is_boolean(t):
        return text.lower() == "true"
    if pa.types.is_integer(t):
        return int(text)
    if pa.types.is_floating(t):
        return float(text)
    if pa.types.is_decimal(t):
        return Decimal(text)
    if pa.types.is_date(t):
        return pa.scalar(text).cast(pa.date32()).as_py()
    if pa.types.is_timestamp(t):
        return pa.scalar(text.replace(" ", "T")).cast(t).as_py()
    return text


class AthenaQuery:
    def __init__(self, workgroup_prefix: str, session: Any | None = None):
        self.prefix = workgroup_prefix
        self.session = session

    @classmethod
    def from_env(cls, session: Any | None = None) -> AthenaQuery:
        return cls(os.environ["ATHENA_WORKGROUP_PREFIX"], session)

    def workgroup(self, zone: str) -> str:
        return f"{self.prefix}-{zone}"

    def output_location(self, zone: str) -> str | None:
        """The workgroup's result location (it enforces it; sent explicitly so the request says it)."""
        import boto3

        wg = (self.session or boto3).client("athena").get_work_group(WorkGroup=self.workgroup(zone))
        return wg["WorkGroup"].get("Configuration", {}).get("ResultConfiguration", {}).get("OutputLocation")

    @staticmethod
    def database(zone: str, sql: str) -> str:
        """The default database: that of the first table the statement names, else the zone's analytics."""
        from lake.config.projection import parse_sql, table_refs

        refs = sorted(r for r in table_refs(parse_sql(sql)) if "." in r)
        return physical_database(refs[0].split(".")[0]) if refs else database(zone, "analytics")

    def query(self, zone: str, sql: str) -> pa.Table:
        import awswrangler as wr
        import boto3

        # The zone's users write the logical names, on AWS as locally: a namespaced stage's tables are
        # reached through its prefix (LAKE_CATALOG_PREFIX).
        qid = wr.athena.start_query_execution(sql=qualify(sql, "athena"), workgroup=self.workgroup(zone),
                                              boto3_session=self.session,
                                              database=self.database(zone, sql), s3_output=self.output_location(zone))
        wr.athena.wait_query(query_execution_id=qid, boto3_session=self.session)  # raises if the query failed
        client = (self.session or boto3).client("athena")
        columns: list[dict[str, Any]] | None = None
        rows: list[list[str | None]] = []
        for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
            if columns is None:
                columns = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
                page_rows = page["ResultSet"]["Rows"][1:]  # the first row repeats the column names
            else:
                page_rows = page["ResultSet"]["Rows"]
            rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page_rows]
        columns = columns or []
        types = [_arrow_type(c) for c in columns]
        arrays = [pa.array([_value(r[i], t) for r in rows], type=t) for i, t in enumerate(types)]
        return pa.Table.from_arrays(arrays, names=[c["Name"] for c in columns])
