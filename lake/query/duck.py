"""A DuckDB connection that reads Iceberg offline, and the lock that confines it.

The iceberg and avro extensions come from their PyPI wheels and are loaded by path, with
auto-install off: DuckDB must never try to download anything.

``lock`` is the second wall behind the query check (``lake.query.engine``): once the granted
tables are attached as views, external access is switched off except for exactly those tables'
folders, and the configuration is frozen, so no statement can widen it again (``SET``, ``RESET``,
``LOAD``, ``ATTACH``, ``COPY``, ``read_*('/other/path')`` all fail inside DuckDB). Views keep reading
their folders lazily, so large tables still stream.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterable
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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def lock(con: duckdb.DuckDBPyConnection, folders: Iterable[Path]) -> None:
    """Allow reads under ``folders`` only (each a granted table's folder), then freeze the configuration.

    DuckDB adds its spill directory to the allowed ones (by default ``./.tmp`` of the caller's working
    directory): it gets a private, empty one instead, removed with the connection.
    """
    spill = tempfile.mkdtemp(prefix="lake-query-")
    weakref.finalize(con, shutil.rmtree, spill, True)
    allowed = sorted({str(f).rstrip("/") + "/" for f in folders})  # the slash: "expenses/" never allows "expenses2/"
    con.execute(f"SET temp_directory = {_literal(spill)}")
    con.execute(f"SET allowed_directories = [{', '.join(map(_literal, allowed))}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
