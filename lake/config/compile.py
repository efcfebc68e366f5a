"""Compile a SQL projection against the tables it reads, as a run would, without Spark.

sqlglot resolves the statement per scope (qualify) against a schema built from the contracts
and from upstream projections' compiled outputs, then types it (annotate_types). Reported, each
at the user's file, line and column: unknown tables and columns ("did you mean"), ambiguous
columns, and type errors Athena would raise. A name that cannot be resolved is reported once;
nothing derived from it is (no cascades): its columns and types stay unknown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING, cast

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.schema import MappingSchema

from lake.config.problems import plain
from lake.config.projection import DIALECT, Projection, parse_sql, real_tables
from lake.config.sql_types import type_problems
from lake.config.table_schemas import PROMOTED_AT, Columns, contract_tables
from lake.sql.types import athena_metadata

if TYPE_CHECKING:  # the loader calls this module
    from lake.config.loader import LakeConfig
    from lake.config.problems import Problems

@dataclass(frozen=True)
class SqlProblem:
    line: int
    col: int
    message: str


@dataclass
class Compiled:
    columns: Columns | None  # the output columns; None when they cannot be known (errors)
    problems: list[SqlProblem] = field(default_factory=list)


class Positions:
    """Character offsets of the SQL text to 1-based (line, column) of the user's file."""

    def __init__(self, sql: str, line_offset: int = 0):
        self.starts = [0] + [i + 1 for i, ch in enumerate(sql) if ch == "\n"]
        self.line_offset = line_offset

    def at(self, offset: int) -> tuple[int, int]:
        line = next(i for i in range(len(self.starts) - 1, -1, -1) if self.starts[i] <= offset)
        return line + 1 + self.line_offset, offset - self.starts[line] + 1

    def of(self, node: exp.Expression | None) -> tuple[int, int]:
        """Where the node's text starts: the first token of it that carries a position."""
        starts = [n.meta["start"] for n in (node.walk() if node is not None else []) if "start" in n.meta]
        return self.at(min(starts)) if starts else (1 + self.line_offset, 1)


# sqlglot names a token by its repr in some messages ("Expected table name but got <Token token_type: ...>")
_TOKEN = re.compile(r"<Token token_type: [\w.]+, text: (?P<text>.*?), line: \d+, col: \d+, .*?>")


def parse_problems(err: sqlglot.errors.SqlglotError, line_offset: int = 0) -> list[SqlProblem]:
    """sqlglot's parse error as plain-text problems at the user's line and column (its own message
    underlines with terminal escape codes and gives the column where the token ends)."""
    details = getattr(err, "errors", None) or []
    out = []
    for d in details:
        token = plain(d.get("highlight") or "")
        line, end = int(d.get("line") or 1), int(d.get("col") or 1)
        near = f" near '{token}'" if token.strip() else ""
        what = _TOKEN.sub(lambda m: f"'{m['text']}'", d.get("description") or "syntax error")
        out.append(SqlProblem(line + line_offset, max(1, end - len(token) + 1), f"not valid Athena SQL: {what}{near}"))
    if not out:
        text = plain(str(err)).strip().splitlines()
        out.append(SqlProblem(1 + line_offset, 1, f"not valid Athena SQL: {text[0] if text else 'syntax error'}"))
    return out


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


@dataclass
class Upstream:
    """What compiling one projection may know about the tables of the lake."""

    tables: dict[str, Columns | None]  # every table: its columns, None when only a run would tell
    readable: set[str]  # what this projection's zone may read
    failed: set[str] = field(default_factory=set)  # projections with errors of their own
    owner: dict[str, str] = field(default_factory=dict)  # table -> owning zone


def compile_sql(sql: str, zone: str, up: Upstream, line_offset: int = 0) -> Compiled:
    pos = Positions(sql, line_offset)
    try:
        tree = parse_sql(sql)
    except sqlglot.errors.SqlglotError as err:
        return Compiled(None, parse_problems(err, line_offset))
    out = Compiled(None)

    def report(node: exp.Expression | None, message: str) -> None:
        out.problems.append(SqlProblem(*pos.of(node), message))

    schema: dict[str, dict[str, Columns]] = {}
    unknown_inputs = False  # a table whose columns only a run would tell (a Python projection)
    for node, name in real_tables(tree):
        where = node.args.get("db") or node.this
        if name in up.failed:
            report(where, f"depends on a projection with errors: {name}")
        elif name not in up.tables:
            same = sorted(t for t in up.readable if "." not in name and t.endswith(f".{name}"))
            hint = f"; did you mean '{same[0]}'?" if same else did_you_mean(name, up.readable)
            report(where, f"unknown table '{name}'" + hint)
        elif name not in up.readable:
            report(where, f"reads '{name}', which zone '{up.owner.get(name, '?')}' does not publish to '{zone}'")
        elif (cols := up.tables[name]) is not None and "." in name:
            db, table = name.split(".")
            schema.setdefault(db, {})[table] = cols
        else:
            unknown_inputs = True
    # A table that is not there (or may not be read) has unknown columns, as a Python projection's: its
    # columns are not reported one by one, while the other tables' columns and types are still checked.
    unknown_inputs = unknown_inputs or bool(out.problems)
    # Where the user wrote a bare column name: messages quote the SQL as written, not as qualified.
    bare = {c.this.meta.get("start") for c in tree.find_all(exp.Column) if not c.table}
    mapping = MappingSchema(cast(dict[str, object], schema), dialect=DIALECT)
    try:
        tree = qualify(tree, dialect=DIALECT, schema=mapping, validate_qualify_columns=False,
                       quote_identifiers=False, allow_partial_qualification=True)
    except sqlglot.errors.OptimizeError as err:
        if unknown_inputs:  # e.g. a bare column in a subquery beside a Python projection: only a run tells
            return out
        report(tree, f"cannot resolve the statement's columns: {plain(str(err)).splitlines()[0]}")
        return out
    _check_columns(tree, schema, report)
    tree = annotate_types(tree, schema=mapping, dialect=DIALECT, expression_metadata=athena_metadata())
    for node, message in type_problems(tree, bare):
        report(node, message)
    if not out.problems and isinstance(tree, exp.Query):
        cols = {s.alias_or_name.lower(): _type_sql(s.type) for s in tree.selects}
        out.columns = None if "*" in cols else cols
    return out


def _type_sql(dt: exp.DataType | None) -> str:
    if dt is None or dt.this == exp.DataType.Type.UNKNOWN:
        return "unknown"
    return re.sub(r"\s+", "", dt.sql(dialect=DIALECT).lower())


def _source_columns(scope: Scope, alias: str, schema: dict[str, dict[str, Columns]]) -> list[str] | None:
    """The columns a FROM item offers; None when only a run would tell."""
    src = scope.sources.get(alias)
    if isinstance(src, exp.Table):
        cols = schema.get(src.db, {}).get(src.name) if src.db else None
        return list(cols) if cols is not None else None
    if isinstance(src, Scope) and isinstance(src.expression, exp.Query):
        names = src.expression.named_selects
        return None if "*" in names else [n.lower() for n in names]
    return None


def _label(scope: Scope, alias: str) -> str:
    src = scope.sources.get(alias)
    if isinstance(src, exp.Table) and src.db:
        table = f"{src.db}.{src.name}"
        return table if alias == src.name else f"{table} (as {alias})"
    return f"'{alias}'"


def _outer_has(scope: Scope, alias: str | None, name: str, schema: dict[str, dict[str, Columns]]) -> bool:
    """A correlated reference: the name resolves in an enclosing scope."""
    parent = scope.parent
    while parent is not None:
        if alias is not None and alias in parent.sources:
            return True
        if alias is None and any(name in (_source_columns(parent, a, schema) or [name]) for a in parent.sources):
            return True
        parent = parent.parent
    return False


def _check_columns(tree: exp.Expression, schema: dict[str, dict[str, Columns]], report) -> None:  # noqa: ANN001
    seen: set[tuple[int, str]] = set()  # qualify copies expanded references: one error per place

    def once(node: exp.Expression, message: str) -> None:
        start = min((n.meta["start"] for n in node.walk() if "start" in n.meta), default=-1)
        if (start, message) not in seen:
            seen.add((start, message))
            report(node, message)

    for scope in traverse_scope(tree):
        if not isinstance(scope.expression, exp.Select):
            continue
        aliases = set(scope.expression.named_selects)
        for col in scope.columns:
            name, alias = col.name.lower(), col.table.lower() or None
            if alias is not None:
                if alias not in scope.sources:
                    if not _outer_has(scope, alias, name, schema):
                        once(col.args["table"], f"unknown table or alias '{alias}'"
                             + did_you_mean(alias, scope.sources))
                    continue
                cols = _source_columns(scope, alias, schema)
                if cols is not None and name not in cols:
                    once(col, f"column '{name}' is not in {_label(scope, alias)}" + did_you_mean(name, cols))
                continue
            offers = {a: _source_columns(scope, a, schema) for a in scope.sources}
            if any(c is None for c in offers.values()):
                continue  # a source whose columns only a run would tell
            having = sorted(a for a, cols in offers.items() if name in (cols or []))
            if len(having) > 1:
                once(col, f"column '{name}' is ambiguous: it is in {', '.join(having)}; qualify it")
            elif not having and not (name in aliases and col.find_ancestor(exp.Order, exp.Group, exp.Having)) \
                    and not _outer_has(scope, None, name, schema):
                known = {c for cols in offers.values() for c in cols or []}
                where = " of " + ", ".join(_label(scope, a) for a in sorted(offers)) if offers else ""
                once(col, f"unknown column '{name}'{where}" + did_you_mean(name, known))


def compile_projections(cfg: LakeConfig, problems: Problems, refused: set[str]) -> dict[str, Columns | None]:
    """Compile every SQL projection, upstream first, so each is checked against the columns and types
    its upstream projections produce. Returns every table's columns (None: only a run would tell, as
    for Python projections). ``refused``: projections already reported (access, cycles)."""
    tables: dict[str, Columns | None] = dict(contract_tables({z.name: z.datasets for z in cfg.zones.values()}))
    projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    failed = set(refused) | {f"{z.name}_analytics.{n}" for z in cfg.zones.values() for n in z.unreadable}
    tables |= {t: None for t in [*projections, *failed]}
    try:
        order = list(TopologicalSorter({t: p.reads & set(projections) for t, p in projections.items()})
                     .static_order())
    except CycleError:  # reported by the loader; nothing is compiled against a cycle
        return tables
    owner = {t: z.name for t, z in cfg.all_tables().items()}
    for table in order:
        p = projections[table]
        if p.is_python or table in failed:
            continue
        up = Upstream(tables, cfg.readable_by(p.zone), failed, owner)
        compiled = compile_sql(p.sql, p.zone, up, _header_lines(p))
        for sp in compiled.problems:
            problems.add(p.path, "sql", sp.message, sp.line, sp.col)
        if compiled.problems:
            failed.add(table)
        elif compiled.columns is not None:
            tables[table] = compiled.columns | PROMOTED_AT
    return tables


def _header_lines(p: Projection) -> int:
    """Lines of the file before the SQL compiled, when a metadata header was split off the statement:
    positions are reported in the user's file, not in the statement."""
    try:
        text = p.path.read_text(encoding="utf-8")
    except OSError:
        return 0
    at = text.find(p.sql) if p.sql and p.sql != text else -1
    return text[:at].count("\n") if at > 0 else 0
