"""Spark in a namespaced stage: the tasks keep speaking the logical names (``finance_ods.x``, as the
zone config and the projection SQL do) and Spark reaches the stage's databases (``dev_finance_ods.x``).

Installed by the Glue jobs (glue_jobs/session.py) when ``LAKE_CATALOG_PREFIX`` is set, so every task
and the projections' SQL run unchanged on every stage: the entry points of Spark that take a table name
or SQL text map it on the way in (``SparkSession.sql`` via lake/namespace_sql.py, ``SparkSession.table``,
``DataFrameReader.table``, ``DataFrame.writeTo``, ``Catalog.tableExists``). Names read back from a plan
(the projection guard) are mapped back with ``lake.namespace.logical_table``. Nothing is installed
without a prefix, and never in the local runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import Catalog, DataFrame, DataFrameReader, SparkSession

from lake.namespace import current_prefix, is_lake_database
from lake.namespace_sql import LAKE_CATALOGS, qualify

_PATCHED: list[tuple[type, str, Callable[..., Any]]] = []


def physical_name(name: str, prefix: str) -> str:
    """A table name as Spark takes it (``db.t``, ``catalog.db.t``, ``db.t.metadata``) in the namespace."""
    parts = name.split(".")
    at = 1 if len(parts) >= 3 and parts[0].lower() in LAKE_CATALOGS else 0
    if len(parts) - at >= 2 and is_lake_database(parts[at].strip("`").lower()):
        parts[at] = prefix + parts[at].strip("`").lower()
    return ".".join(parts)


def _patch(cls: type, attr: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(cls, attr)
    _PATCHED.append((cls, attr, original))
    setattr(cls, attr, make(original))


def install(prefix: str | None = None) -> str:
    """Map Spark's table names and SQL into the namespace of ``prefix`` (default: ``LAKE_CATALOG_PREFIX``);
    returns the prefix ("" installs nothing)."""
    p = current_prefix() if prefix is None else prefix
    if not p or _PATCHED:
        return p

    def sql(original: Callable[..., Any]) -> Callable[..., Any]:
        return lambda self, sqlQuery, *a, **k: original(self, qualify(sqlQuery, "spark", p), *a, **k)

    def named(original: Callable[..., Any]) -> Callable[..., Any]:
        return lambda self, name, *a, **k: original(self, physical_name(name, p), *a, **k)

    def exists(original: Callable[..., Any]) -> Callable[..., Any]:
        def table_exists(self: Catalog, tableName: str, dbName: str | None = None) -> bool:
            if dbName is not None and is_lake_database(dbName.lower()):
                dbName = p + dbName.lower()
            return original(self, physical_name(tableName, p), dbName)
        return table_exists

    _patch(SparkSession, "sql", sql)
    _patch(SparkSession, "table", named)
    _patch(DataFrameReader, "table", named)
    _patch(DataFrame, "writeTo", named)
    _patch(Catalog, "tableExists", exists)
    return p


def uninstall() -> None:
    while _PATCHED:
        cls, attr, original = _PATCHED.pop()
        setattr(cls, attr, original)


@contextmanager
def installed(prefix: str) -> Iterator[None]:
    """``install`` for a block (tests, the twin): the process's other Spark work is left alone."""
    install(prefix)
    try:
        yield
    finally:
        uninstall()
