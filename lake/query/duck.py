"""A DuckDB connection that reads Iceberg offline.

The iceberg and avro extensions come from their PyPI wheels and are loaded by path, with
auto-install off: DuckDB must never try to download anything.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import duckdb

_EXTENSIONS = ("duckdb_extension_avro", "duckdb_extension_iceberg")  # avro before iceberg


def _extension_file(module: str) -> Path:
    pkg = Path(import_module(module).__file__ or "").parent
    found = sorted(pkg.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not found:
        raise RuntimeError(f"{module} has no extension for DuckDB {duckdb.__version__}")
    return found[0]


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for module in _EXTENSIONS:
        con.execute(f"LOAD '{_extension_file(module)}'")
    con.execute("SET TimeZone = 'UTC'")
    return con
