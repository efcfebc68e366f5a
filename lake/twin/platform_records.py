"""``platform.*`` in the twin's Athena: the JSON tables of the Glue catalog (what the templates create:
``classification = json``, e.g. ``platform.runs`` over ``_platform/runs/zone=<z>/`` of the staging
bucket), read from the twin's S3 as Athena's JSON SerDe reads them, with the rows and columns Lake
Formation would give a workgroup's principals, from the templates' grants: a grant on the table (all
rows) or on a data cells filter (``AWS::LakeFormation::DataCellsFilter``: its row filter and columns).
A principal with several grants sees the union; a workgroup shared by several principals sees what
all of them see (the intersection), like the twin's other tables. A table no grant reaches is not
there: querying it is denied, as on AWS.

The rows are filtered here, in a separate DuckDB connection with no external access, and handed to
the query engine as Arrow tables (copied in, as ``lake.query.platform`` does locally), so the
engine's connection is locked exactly as before: it gets no folder of the records to read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

_ARROW = {"bigint": pa.int64(), "int": pa.int32(), "double": pa.float64(), "float": pa.float32(),
          "boolean": pa.bool_(), "string": pa.string()}


def is_json_table(table: dict[str, Any]) -> bool:
    return table.get("Parameters", {}).get("classification") == "json"


@dataclass(frozen=True)
class Access:
    """What one principal may read of one table: the rows a SQL condition selects, and the columns."""

    rows: str  # a condition over the table's columns; "true" for a grant on the table itself
    columns: frozenset[str]


def _filter_grants(dep: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(database, table, filter name) -> the data cells filter's properties, as the templates define it."""
    return {(f.properties["DatabaseName"], f.properties["TableName"], f.properties["Name"]): f.properties
            for f in dep.of_type("AWS::LakeFormation::DataCellsFilter")}


def _condition(text: str) -> str:
    """A row filter's expression, refused unless it only compares the row's own values (no table,
    subquery or function may be smuggled in through a template)."""
    tree = sqlglot.parse_one(text)
    calls = [f for f in tree.find_all(exp.Func) if not isinstance(f, exp.Connector)]  # AND/OR are "functions"
    if not isinstance(tree, exp.Condition) or calls or tree.find(exp.Table, exp.Subquery, exp.Query):
        raise ValueError(f"row filter {text!r} is more than a condition on the row's values")
    return tree.sql(dialect="duckdb")


def access(dep: Any, principal: str, db: str, table: str, columns: list[str],
           table_columns: Callable[[str], set[str]]) -> list[Access]:
    """Every grant of ``principal`` on ``db.table``: ``table_columns(principal)`` is what grants on the
    table itself (named or by LF-tags) give; filters come from the templates' data cells filters."""
    out = []
    whole = table_columns(principal)
    if whole:
        out.append(Access("true", frozenset(whole)))
    filters = _filter_grants(dep)
    for g in dep.of_type("AWS::LakeFormation::PrincipalPermissions"):
        p = g.properties
        cells = p["Resource"].get("DataCellsFilter")
        if not cells or p["Principal"]["DataLakePrincipalIdentifier"] != principal or "SELECT" not in p["Permissions"]:
            continue
        f = filters.get((cells["DatabaseName"], cells["TableName"], cells["Name"]))
        if f is None or (f["DatabaseName"], f["TableName"]) != (db, table):
            continue  # a grant on a filter the templates do not create grants nothing
        if "ColumnWildcard" in f:
            cols = set(columns) - set(f["ColumnWildcard"].get("ExcludedColumnNames") or [])
        else:
            cols = set(f.get("ColumnNames") or [])
        row = f.get("RowFilter", {})
        rows = "true" if "AllRowsWildcard" in row else _condition(row["FilterExpression"])
        out.append(Access(rows, frozenset(cols)))
    return out


def workgroup_access(per_principal: Iterable[list[Access]]) -> Access | None:
    """Several principals share a workgroup: rows and columns all of them may read (None: nothing)."""
    rows, columns = [], None
    for grants in per_principal:
        if not grants:
            return None
        rows.append(" OR ".join(f"({a.rows})" for a in grants))
        cols = frozenset().union(*(a.columns for a in grants))
        columns = cols if columns is None else columns & cols
    if not rows or not columns:
        return None
    return Access(" AND ".join(f"({r})" for r in rows), columns)


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _value(kind: str, value: Any) -> Any:
    """A JSON value as the SerDe reads it into a column of Hive type ``kind``."""
    if value is None or kind != "string":
        return value
    return value if isinstance(value, str) else json.dumps(value)


def read_rows(s3: Any, table: dict[str, Any]) -> pa.Table:
    """All rows of a JSON Glue table: every object under its location, one JSON object per line, the
    partition values from the ``<key>=<value>`` folders (projected partitions: only the enum's values)."""
    sd = table["StorageDescriptor"]
    data = [(c["Name"], c["Type"]) for c in sd["Columns"]]
    keys = [(c["Name"], c["Type"]) for c in table.get("PartitionKeys", [])]
    params = table.get("Parameters", {})
    bucket, prefix = _split(sd["Location"])
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            folders = dict(p.split("=", 1) for p in obj["Key"][len(prefix):].split("/")[:-1] if "=" in p)
            if any(name not in folders for name, _ in keys):
                continue  # not in a partition: Athena does not read it
            if any(params.get(f"projection.{n}.type") == "enum" and folders[n] not in
                   params.get(f"projection.{n}.values", "").split(",") for n, _ in keys):
                continue
            text = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode()
            for line in filter(str.strip, text.splitlines()):
                doc = json.loads(line)
                rows.append({n: _value(t, doc.get(n)) for n, t in data} | {n: folders[n] for n, _ in keys})
    schema = pa.schema([(n, _ARROW.get(t, pa.string())) for n, t in data + keys])
    return pa.Table.from_pylist(rows, schema=schema)


def visible(rows: pa.Table, grant: Access) -> pa.Table:
    """The rows and columns ``grant`` lets the workgroup read, filtered in a connection of its own
    with no external access (the row filter reads nothing but the rows)."""
    con = duckdb.connect(config={"enable_external_access": False, "autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    try:
        con.register("_rows", rows)
        cols = ", ".join('"' + c + '"' for c in rows.column_names if c in grant.columns)
        return con.sql(f"SELECT {cols} FROM _rows WHERE {grant.rows}").to_arrow_table()
    finally:
        con.close()
