"""Athena-dialect SQL over the local lake, on DuckDB, as one zone's readers see it.

The engine is imported on first use: Glue jobs import ``lake.query.grants`` (the projection guard's
``AccessDenied``), and Glue has no DuckDB."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lake.query.engine import AccessDenied, QueryEngine

__all__ = ["AccessDenied", "QueryEngine"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lake.query import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
