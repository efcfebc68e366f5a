"""Athena (Trino) semantics on every engine: one SQL, one answer.

Users write Athena SQL. ``to_spark`` (projection builds) and ``to_duckdb`` (``lake query``) transpile it
with sqlglot and rewrite what the engines would answer differently; ``not_supported`` lists what
cannot be answered exactly and is refused by ``lake validate`` and ``lake query`` alike. Engine
settings: ``lake.sql.spark.athena_session``, ``lake.sql.duck.SETTINGS``.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from lake.sql import athena, duck, spark
from lake.sql.support import not_supported
from lake.sql.types import Schema, annotate, trino_decimals

DIALECT = "trino"
__all__ = ["NotSupported", "Schema", "check", "not_supported", "parse", "to_duckdb", "to_spark"]


class NotSupported(ValueError):
    """The statement uses a construct whose Athena answer no engine here gives exactly."""


def parse(sql: str) -> exp.Expr:
    statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    if len(statements) != 1:
        raise sqlglot.errors.ParseError(f"expected exactly one statement, found {len(statements)}")
    return statements[0]


def check(tree: exp.Expr, schema: Schema | None) -> list[str]:
    """Annotate ``tree`` with Athena types (from ``schema``: db -> table -> column -> type) and list what is
    not supported."""
    trino_decimals(tree)
    annotate(tree, schema)
    return not_supported(tree)


def _postorder(tree: exp.Expr, fix: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Children first, so a rewrite sees its operands already rewritten (and typed before any rewrite)."""
    root = tree
    for node in reversed(list(tree.walk())):
        parent, key, index = node.parent, node.arg_key, node.index  # a rewrite may wrap the node itself
        new = fix(node)
        if new is node:
            continue
        if parent is None:
            root = new
        else:
            parent.set(key or "this", new, index)
    return root


def _transpile(tree: exp.Expr, schema: Schema | None, fix: Callable[[exp.Expr], exp.Expr],
               dialect: str) -> str:
    tree = athena.filters_to_case(tree.copy())
    problems = check(tree, schema)
    if problems:
        raise NotSupported("; ".join(problems))
    return _postorder(tree, fix).sql(dialect=dialect, comments=False)


def to_spark(sql: str | exp.Expr, schema: Schema | None = None) -> str:
    return _transpile(parse(sql) if isinstance(sql, str) else sql, schema, spark.fix, "spark")


def to_duckdb(sql: str | exp.Expr, schema: Schema | None = None) -> str:
    return _transpile(parse(sql) if isinstance(sql, str) else sql, schema, duck.fix, "duckdb")


def output_types(tree: exp.Expr) -> dict[str, str]:
    """The column types (Trino spelling) of an annotated query's result, where they can be told."""
    from lake.sql.types import type_of

    query = tree
    while isinstance(query, exp.SetOperation):
        query = query.this
    out: dict[str, str] = {}
    for select in getattr(query, "selects", []):
        t = type_of(select)
        if select.alias_or_name and t is not None:
            out[select.alias_or_name.lower()] = t.sql(dialect="trino")
    return out
