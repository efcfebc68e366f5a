"""Athena-dialect SQL over the local lake, on DuckDB, as one zone's readers see it."""

from lake.query.engine import AccessDenied, QueryEngine

__all__ = ["AccessDenied", "QueryEngine"]
