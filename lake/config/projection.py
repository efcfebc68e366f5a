"""Projections: one Athena (Trino) SQL file per analytics table.

Dependencies are read from the SQL itself with sqlglot, so they are never declared twice.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlglot
from sqlglot import exp

DIALECT = "trino"  # what users write, everywhere (Athena engine v3 is Trino)


@dataclass(frozen=True)
class Projection:
    zone: str
    name: str
    path: Path
    sql: str  # the Athena SQL, or the Python source of a Python projection
    reads: frozenset[str]  # fully qualified "<zone>_<layer>.<table>" names

    @property
    def is_python(self) -> bool:
        return self.path.suffix == ".py"

    @property
    def table(self) -> str:
        return f"{self.zone}_analytics.{self.name}"


def parse_sql(sql: str) -> exp.Expression:
    """Parse one Athena statement; raises sqlglot.errors.ParseError."""
    statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    if len(statements) != 1:
        raise sqlglot.errors.ParseError(f"expected exactly one statement, found {len(statements)}")
    return cast(exp.Expression, statements[0])


def table_refs(tree: exp.Expression) -> set[str]:
    """Every real table the statement reads: CTE names are not tables, subqueries are walked."""
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    refs = set()
    for t in tree.find_all(exp.Table):
        if not t.name:
            continue  # table functions such as UNNEST
        if not t.db and t.name.lower() in ctes:
            continue
        refs.add(f"{t.db}.{t.name}".lower() if t.db else t.name.lower())
    return refs


def python_inputs(source: str) -> frozenset[str]:
    """A Python projection declares ``INPUTS = ["zone_layer.table", ...]`` as a literal.

    Read with ``ast``, never by importing: validating config must not run user code.
    """
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "INPUTS" for t in node.targets):
            value = ast.literal_eval(node.value)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ValueError("INPUTS must be a list of table names")
            if not any(isinstance(n, ast.FunctionDef) and n.name == "transform" for n in tree.body):
                raise ValueError("a Python projection must define transform(inputs)")
            return frozenset(v.lower() for v in value)
    raise ValueError("a Python projection must declare INPUTS = [\"<zone>_<layer>.<table>\", ...]")


def to_spark(sql: str) -> str:
    return parse_sql(sql).sql(dialect="spark")
