"""What a projection's SQL can reach once Spark runs it, beyond the tables ``table_refs`` names.

Spark resolves more than tables in a FROM clause: ``IDENTIFIER('db.t')`` computes a table name,
``parquet.`/path``` (likewise csv, json, orc, delta, iceberg ...) reads files by path, table-valued
functions (``range``, ``read_files`` ...) produce rows from anywhere, a catalog prefix
(``other.db.t``) reaches another catalog, and ``reflect``/``java_method`` call any Java method.
None of them is Athena SQL and none is needed to read a granted table, so each is denied, at
``lake validate`` and again on the transpiled Spark statement before the job runs it; the job
then checks the analyzed plan too (lake/tasks/projections/guard.py), so what Spark resolved is
what is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlglot
from sqlglot import exp

from lake.config.projection import TableRefError, table_refs

# Spark's "<format>.`<path>`" data sources (ResolveSQLOnFile) and table formats that read by path.
FILE_SOURCES = frozenset({"parquet", "csv", "json", "orc", "avro", "text", "binaryfile", "xml", "libsvm", "image",
                          "delta", "iceberg", "hudi", "hive", "jdbc", "file", "noop"})
REFLECTION = frozenset({"reflect", "java_method", "try_reflect"})
PATH_MARKS = ("/", "\\", ":", "*", "?")
UNNAMED = "relation"  # a relation the Spark statement reads that the guard could not name


@dataclass(frozen=True)
class Escape:
    """One relation (or call) a projection may not use, with the table name it reached if known."""
    relation: str  # as written (Spark or Athena SQL)
    reason: str
    ref: str | None = None  # the "db.name" that table_refs reports for it, if any

    def __str__(self) -> str:
        return f"{self.relation}: {self.reason}"


def _written(node: Any, dialect: str) -> str:  # any sqlglot node
    return str(node.sql(dialect=dialect))


def _identifier_target(call: Any) -> str | None:  # an IDENTIFIER(...) call
    """The table ``IDENTIFIER('db.t')`` names, read the way Spark parses it; None if computed."""
    args = list(call.expressions) if isinstance(call, exp.Anonymous) else [call.this]
    if len(args) != 1 or not isinstance(args[0], exp.Literal) or not args[0].is_string:
        return None
    try:
        table = exp.to_table(args[0].this, dialect="spark")
    except sqlglot.errors.SqlglotError:
        return None
    return ".".join(p.name for p in table.parts).lower()


def _function_escape(t: exp.Table, dialect: str, readable: set[str]) -> Escape:
    call = t.this
    if not isinstance(call, exp.Func):
        return Escape(_written(call, dialect), "not a table name: access denied")
    name = (call.name if isinstance(call, exp.Anonymous) else call.sql_name()).lower()
    if name == "identifier":
        target = _identifier_target(call)
        if target is None:
            return Escape(_written(call, dialect), "IDENTIFIER with a computed name: access denied")
        if target in readable:
            return Escape(_written(call, dialect), f"IDENTIFIER is not Athena SQL: name the table ({target})")
        return Escape(_written(call, dialect), f"reads '{target}': access denied (not a table this zone may read)")
    return Escape(_written(call, dialect), f"table function {name}(...) is not allowed: access denied "
                                           "(projections read tables only)")


def _name_escape(t: exp.Table, dialect: str) -> Escape | None:
    ref = f"{t.db}.{t.name}".lower() if t.db else t.name.lower()
    if t.catalog:
        return Escape(_written(t, dialect), "a catalog-qualified name is not allowed: access denied "
                                           "(name tables as <zone>_<layer>.<table>)", ref)
    parts = [p.name for p in t.parts]
    if (t.db and t.db.lower() in FILE_SOURCES) or any(m in p for p in parts for m in PATH_MARKS):
        return Escape(_written(t, dialect), "reads files by path: access denied (projections read tables only)", ref)
    if any("." in p for p in parts):
        return Escape(_written(t, dialect), "a quoted name holding a dot is not a table name: access denied", ref)
    return None


def spark_escapes(tree: exp.Expression, readable: set[str], dialect: str = "trino") -> list[Escape]:
    """Every relation or call in ``tree`` that reaches past the granted tables on Spark."""
    out: list[Escape] = []
    if not isinstance(tree, exp.Query):
        out.append(Escape(tree.key.upper(), "a projection is one query (SELECT, WITH, UNION ...): access denied"))
    for t in tree.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            out.append(_function_escape(t, dialect, readable))
            continue
        escape = _name_escape(t, dialect)
        if escape is not None:
            out.append(escape)
    for f in tree.find_all(exp.Func):
        name = (f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower()
        if name in REFLECTION:
            out.append(Escape(_written(f, dialect), f"{name}() calls Java methods: access denied"))
    return out


def check_spark_sql(sql: str, readable: set[str]) -> list[Escape]:
    """The run-time check of a transpiled Spark statement: the escapes above plus every plain table
    name that is not granted. Parsing fails closed: SQL the guard cannot read is not run."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="spark") if s is not None]
    except sqlglot.errors.SqlglotError as err:
        return [Escape(UNNAMED, f"the Spark statement cannot be checked: {err}")]
    if len(statements) != 1:
        return [Escape(UNNAMED, "a projection is exactly one query")]
    tree = cast(exp.Expression, statements[0])
    out = spark_escapes(tree, readable, dialect="spark")
    covered = {e.ref for e in out}
    try:
        refs = table_refs(tree)
    except TableRefError as err:  # fails closed: what cannot be resolved is not run
        return out or [Escape(UNNAMED, f"access denied: {err}")]
    out += [Escape(ref, "access denied (not a table this zone may read)", ref)
            for ref in sorted(refs - readable - covered)]
    return out
