"""Platform records (``platform.ingest_ledger``, ``platform.runs``, ...) as tables of a query connection,
holding only the caller's zones' rows, as Lake Formation row filters would on AWS.

They are copied in (they are small), so the connection keeps no other object to reach them by, and a
table with no rows yet is empty with its columns, never missing (a fresh lake home is queryable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields

import duckdb
import pyarrow as pa

from lake.home import LakeHome


def _ledger(home: LakeHome, zones: Iterable[str]) -> pa.Table:
    from lake.backends.ledger import IngestRecord, SqliteLedger

    rows = [asdict(r) for z in zones for r in SqliteLedger(home.ledger_db).records(z)]
    for row in rows:
        row["warnings"] = "; ".join(row["warnings"])
        row["columns"] = None if row["columns"] is None else ", ".join(row["columns"])
    schema = pa.schema([(f.name, pa.int64() if f.type == "int" else pa.string()) for f in fields(IngestRecord)])
    return pa.Table.from_pylist(rows, schema=schema)


def register_platform(con: duckdb.DuckDBPyConnection, home: LakeHome, zones: tuple[str, ...],
                      readable: Iterable[str]) -> None:
    from lake.backends.records import SCHEMAS, Records

    wanted = {t.removeprefix("platform.") for t in readable}  # e.g. approval_requests (task tokens) is not
    tables = {"ingest_ledger": _ledger(home, zones)} if "ingest_ledger" in wanted else {}
    records = Records(home.records_db)
    for name in sorted(wanted & SCHEMAS.keys()):
        rows = [r for z in zones for r in records.rows(name, z)]
        tables[name] = pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.string())
                                                                          for c in SCHEMAS[name]})
    con.execute("CREATE SCHEMA IF NOT EXISTS platform")
    for name, table in tables.items():
        con.register("_platform_rows", table)
        con.execute(f"CREATE TABLE platform.{name} AS SELECT * FROM _platform_rows")
        con.unregister("_platform_rows")
