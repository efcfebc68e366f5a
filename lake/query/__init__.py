"""Athena-dialect SQL over the local lake, on DuckDB, as one zone's readers see it.

``QueryEngine`` is imported on first use: the Glue jobs import ``lake.query.grants`` (their access
checks), and Glue has no DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lake.query.grants import AccessDenied

if TYPE_CHECKING:
    from lake.query.engine import QueryEngine

__all__ = ["AccessDenied", "QueryEngine"]


def __getattr__(name: str) -> Any:
    if name == "QueryEngine":
        from lake.query.engine import QueryEngine

        return QueryEngine
    raise AttributeError(f"module 'lake.query' has no attribute {name!r}")
