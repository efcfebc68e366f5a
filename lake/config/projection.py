"""Projections: one Athena (Trino) SQL file per analytics table.

Dependencies are read from the SQL itself with sqlglot, so they are never declared twice.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

if TYPE_CHECKING:
    from lake.config.projection_tests import ProjectionTest

DIALECT = "trino"  # what users write, everywhere (Athena engine v3 is Trino)


@dataclass(frozen=True)
class Projection:
    zone: str
    name: str
    path: Path
    sql: str  # the Athena SQL, or the Python source of a Python projection
    reads: frozenset[str]  # fully qualified "<zone>_<layer>.<table>" names
    refused: str = ""  # why its relations cannot be resolved (a path, table function ...): never loads
    tests: tuple[ProjectionTest, ...] = ()  # from projections/<name>.yaml (lake/config/projection_tests.py)
    meta_path: Path | None = None  # that file, when there is one

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


class TableRefError(sqlglot.errors.SqlglotError):
    """A relation that is not a plain ``<db>.<table>`` name: a path, a table function, ``IDENTIFIER(...)``,
    a catalog-qualified or non-ASCII name. Engines resolve such names differently (DuckDB reads a quoted
    path as a file), so they are refused rather than guessed at."""


# Plain identifiers only, as every engine resolves them alike: ASCII, compared case-insensitively.
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*(\$snapshots)?")  # Athena's metadata table suffix
# Engine catalogs a CTE must not be named after: if an engine ever scoped it differently, the name
# would fall through to its system relation.
_SYSTEM_PREFIXES = ("duckdb_", "sqlite_", "pg_", "pragma_", "information_schema")
_TABLE_ARGS = {"this", "db", "alias", "version", "sample", "joins"}
_CTE_REF_ARGS = {"this", "alias", "sample", "joins"}


def _canon(ident: object, pattern: re.Pattern[str] = _PLAIN) -> str | None:
    """The name as the engines resolve it (ASCII lower case), or None when it is not a plain identifier."""
    if not isinstance(ident, exp.Identifier) or not ident.name.isascii():
        return None
    name = ident.name.lower()
    return name if pattern.fullmatch(name) else None


def _refused(t: exp.Expression) -> TableRefError:
    return TableRefError(f"{t.sql(dialect=DIALECT, comments=False)} (only plain <db>.<table> names can be read)")


def real_tables(tree: exp.Expression) -> list[tuple[exp.Table, str]]:
    """Every real table node of the statement with its name (``db.name`` lower case, or ``name`` when
    unqualified). Names are resolved per scope (sqlglot's scope analysis): a CTE name shadows tables only
    inside the scopes that see it. Raises TableRefError for anything that is not a plain name."""
    for cte in tree.find_all(exp.CTE):
        name = _canon(cte.args["alias"].this if cte.args.get("alias") else None)
        if name is None or name.startswith(_SYSTEM_PREFIXES):
            raise TableRefError(f"WITH {cte.alias!r} (a CTE needs a plain name that no catalog uses)")
    try:
        scopes = traverse_scope(tree)
    except sqlglot.errors.SqlglotError as err:
        raise TableRefError(f"a statement whose tables cannot be resolved ({err})") from err
    seen: set[int] = set()
    found: list[tuple[exp.Table, str]] = []
    for scope in scopes:
        ctes = {n.lower() for n in scope.cte_sources}
        for t in scope.tables:
            if id(t) in seen:
                continue
            seen.add(id(t))
            name = _canon(t.this, _TABLE_NAME)
            args = {k for k, v in t.args.items() if v}
            if name in ctes and not args & {"db", "catalog"}:
                if args - _CTE_REF_ARGS:  # e.g. time travel on a CTE
                    raise _refused(t)
                continue  # a CTE this scope sees
            db = _canon(t.args.get("db")) if t.args.get("db") else ""
            if name is None or db is None or args - _TABLE_ARGS:
                raise _refused(t)
            found.append((t, f"{db}.{name}" if db else name))
    # Deny by default: a table node the scope analysis did not place is not guessed at.
    for t in tree.find_all(exp.Table):
        if id(t) not in seen:
            raise TableRefError(f"{t.sql(dialect=DIALECT, comments=False)} (its scope cannot be resolved here)")
    return found


def table_refs(tree: exp.Expression) -> set[str]:
    """Every real table the statement reads (``db.name``, lower case); CTE names are not tables,
    subqueries are walked. Raises TableRefError for a path, table function or other non-plain name."""
    return {ref for _, ref in real_tables(tree)}


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
