"""Which columns of a lake table carry PII: by column lineage, not by name.

- staging / ODS: the contract's PII columns; a platform side table without a contract of its own
  (``<dataset>__quarantine`` ...) any PII column of its zone, since it holds the contract's rows.
- a SQL projection: every output column that sqlglot's lineage traces (through aliases,
  expressions, CTEs, subqueries, UNION branches, UNNEST) to a PII column of a table it reads,
  where upstream projections are classified the same way first, across zones. So
  ``SELECT employee_email AS contact`` keeps the classification whatever its name. A column
  whose lineage cannot be traced is PII when the projection reads any PII (fail closed).
- a Python projection: Python cannot be traced, so every output column is PII when any input
  carries PII, unless the file declares which output columns carry it, as a literal
  ``PII_COLUMNS = ["contact"]`` (``[]``: none); the projection job holds the declaration to
  Spark's analyzed plan (lake/tasks/projections/pii_check.py).
The projection job's own ``_promoted_at`` is never PII.

The query engine hides these columns from readers without PII access, the AWS catalog governor
tags them ``sensitivity=pii`` (infra/governance/runtime/plan.py), and ``lake forget`` rebuilds
every projection downstream of a changed table, so derived values go with their source rows.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify

from lake.config.projection import DIALECT, Projection, parse_sql

if TYPE_CHECKING:  # the loader validates PII_COLUMNS with this module
    from lake.config.loader import LakeConfig


PROMOTED_AT = "_promoted_at"  # the one column the projection job adds itself


@dataclass(frozen=True)
class TableInfo:
    columns: tuple[str, ...] | None  # output columns (lower case), None when only a run would tell
    pii: frozenset[str] = frozenset()  # PII columns (lower case)
    all_pii: bool = False  # every column the job did not add itself is PII
    closed: bool = False  # a column outside ``columns`` (a table built from older SQL) is PII

    def carries(self, column: str) -> bool:
        column = column.lower()
        if column in self.pii:
            return True
        if column == PROMOTED_AT:
            return False
        unknown = self.closed and self.columns is not None and column not in self.columns
        return self.all_pii or unknown

    @property
    def any_pii(self) -> bool:
        return self.all_pii or bool(self.pii)


class PiiColumns(set[str]):
    """A table's PII columns as a set of the known names whose membership test also answers for
    names the config cannot list: every column of an untraceable Python projection, a column of a
    table built from older SQL."""

    def __init__(self, info: TableInfo):
        super().__init__(info.pii)
        self.info = info

    def __contains__(self, column: object) -> bool:
        return isinstance(column, str) and self.info.carries(column)

    def __bool__(self) -> bool:
        return self.info.all_pii or self.info.closed or bool(self.info.pii)


def python_pii_declaration(source: str) -> frozenset[str] | None:
    """``PII_COLUMNS = [...]`` of a Python projection (read with ``ast``, never run); None if absent."""
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "PII_COLUMNS" for t in targets) and node.value is not None:
                value = ast.literal_eval(node.value)
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise ValueError("PII_COLUMNS must be a list of output column names")
                return frozenset(v.lower() for v in value)
    return None


class _Classifier:
    """Classifies every table of one config; each projection once, upstream first."""

    def __init__(self, cfg: LakeConfig):
        self.cfg = cfg
        self.projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
        self.done: dict[str, TableInfo] = {}
        self.open: set[str] = set()
        self.traced: dict[str, tuple[exp.Expression, dict[str, Any], list[str]]] = {}  # SQL projections

    def info(self, table: str) -> TableInfo:
        if table not in self.done:
            if table in self.open:  # a cycle (validation refuses them): know nothing, hide everything
                return TableInfo(None, all_pii=True)
            self.open.add(table)
            self.done[table] = self._classify(table)
            self.open.discard(table)
        return self.done[table]

    def _classify(self, table: str) -> TableInfo:
        namespace, _, name = table.partition(".")
        zone, _, layer = namespace.rpartition("_")
        z = self.cfg.zones.get(zone)
        if z is None:
            return TableInfo(None)
        if layer in ("staging", "ods"):
            ds = z.datasets.get(name)
            if ds is not None:
                return TableInfo(tuple(c.name.lower() for c in ds.columns),
                                 frozenset(c.name.lower() for c in ds.columns if c.is_pii))
            return TableInfo(None, frozenset(c.name.lower() for d in z.datasets.values() for c in d.columns
                                             if c.is_pii))
        p = self.projections.get(table)
        if p is None:
            return TableInfo(None)
        return self._python(p) if p.is_python else self._sql(p)

    def _python(self, p: Projection) -> TableInfo:
        try:
            declared = python_pii_declaration(p.sql)
        except (SyntaxError, ValueError):
            declared = None  # lake validate reports it; until fixed, fail closed
        if declared is not None:
            return TableInfo(None, declared)
        return TableInfo(None, all_pii=any(self.info(t).any_pii for t in p.reads))

    def _sql(self, p: Projection) -> TableInfo:
        upstream = {t: self.info(t) for t in sorted(p.reads)}
        reads_pii = any(i.any_pii for i in upstream.values())
        known: dict[str, Any] = {}
        for t, i in upstream.items():
            if i.columns is not None:
                db, name = t.split(".", 1)
                known.setdefault(db, {})[name] = dict.fromkeys(i.columns, "UNKNOWN")
        # With the inputs' columns first (stars expand); a column the inputs lack (SQL that will fail
        # to build) stops that, so then without them: explicit names still trace.
        for schema in (known, {}):
            try:
                tree = qualify(parse_sql(p.sql), schema=schema, dialect=DIALECT, validate_qualify_columns=False)
                columns = [c.lower() for c in cast(exp.Query, tree).named_selects]
                break
            except sqlglot.errors.SqlglotError:
                continue
        else:
            return TableInfo(None, all_pii=reads_pii)
        if "*" in columns:  # a star over a table whose columns only a run would tell
            return TableInfo(None, all_pii=reads_pii)
        self.traced[p.table] = (tree, schema, columns)
        pii = {c for c in columns if reads_pii and self._derived_from_pii(c, tree, schema, upstream)}
        return TableInfo(tuple(columns), frozenset(pii), closed=True)

    def _derived_from_pii(self, column: str, tree: exp.Expression, schema: dict[str, Any],
                          upstream: dict[str, TableInfo]) -> bool:
        try:
            sources = trace(column, tree, schema)
        except sqlglot.errors.SqlglotError:
            return True  # cannot trace it: fail closed
        for src in sources:
            if src is None:
                return True
            info = upstream.get(src.table)
            if info is None or info.carries(src.column) or (src.column == "*" and info.any_pii):
                return True
        return False

    def column_lineage(self, table: str) -> dict[str, list[SourceColumn]] | None:
        """Output column -> the input columns it is computed from; None when the SQL cannot be traced
        (a Python projection, SQL that does not parse, a star over unknown columns)."""
        self.info(table)
        traced = self.traced.get(table)
        if traced is None:
            return None
        tree, schema, columns = traced
        out: dict[str, list[SourceColumn]] = {}
        for c in columns:
            try:
                out[c] = sorted({s for s in trace(c, tree, schema) if s is not None},
                                key=lambda s: (s.table, s.column))
            except sqlglot.errors.SqlglotError:
                continue  # left out rather than guessed
        return out


@dataclass(frozen=True)
class SourceColumn:
    """One input column of an output column, with how the value is derived from it (OpenLineage's DIRECT
    subtypes): IDENTITY (copied), TRANSFORMATION (an expression of it), AGGREGATION (an aggregate of it)."""
    table: str
    column: str
    subtype: str


_RANK = {"IDENTITY": 0, "TRANSFORMATION": 1, "AGGREGATION": 2}


def _step(node_expression: exp.Expression) -> str:
    e = node_expression.unalias() if isinstance(node_expression, exp.Alias) else node_expression
    if isinstance(e, exp.Column):
        return "IDENTITY"
    return "AGGREGATION" if e.find(exp.AggFunc) is not None else "TRANSFORMATION"


def trace(column: str, tree: exp.Expression, schema: dict[str, Any]) -> list[SourceColumn | None]:
    """The table columns an output column of ``tree`` reads, through aliases, CTEs and subqueries, by
    sqlglot's lineage; None for a source it cannot name (fail closed). A literal or ``COUNT(*)`` reads none."""
    out: list[SourceColumn | None] = []

    def walk(n: Any, kind: str) -> None:
        if not n.downstream:
            if isinstance(n.source, exp.Select):
                return  # a literal, COUNT(*), a function of nothing: reads no column
            if not isinstance(n.source, exp.Table):
                out.append(None)
                return
            ref = f"{n.source.db}.{n.source.name}".lower()
            out.append(SourceColumn(ref, exp.to_column(n.name, dialect=DIALECT).name.lower(), kind))
            return
        here = _step(n.expression)
        for child in n.downstream:
            walk(child, max(kind, here, key=_RANK.__getitem__))

    walk(lineage(column, tree, schema=schema, dialect=DIALECT), "IDENTITY")
    return out


_CACHE: dict[int, tuple[LakeConfig, _Classifier]] = {}


def _classifier(cfg: LakeConfig) -> _Classifier:
    """One classifier per loaded config: the query engine asks once per table per query."""
    hit = _CACHE.get(id(cfg))
    if hit is None or hit[0] is not cfg:
        if len(_CACHE) > 8:
            _CACHE.clear()
        hit = _CACHE[id(cfg)] = (cfg, _Classifier(cfg))
    return hit[1]


def table_info(cfg: LakeConfig, table: str) -> TableInfo:
    return _classifier(cfg).info(table.lower())


def pii_columns(cfg: LakeConfig, table: str) -> set[str]:
    """The PII columns of ``<zone>_<layer>.<table>``: test a column with ``in`` (any case)."""
    return PiiColumns(table_info(cfg, table))


def column_lineage(cfg: LakeConfig, table: str) -> dict[str, list[SourceColumn]] | None:
    """A SQL projection's output columns -> their input columns (the trace PII classification uses,
    shared by ``lake lineage --columns`` and OpenLineage's columnLineage facet); None if untraceable."""
    return _classifier(cfg).column_lineage(table.lower())


def qualified_sql(cfg: LakeConfig, table: str) -> exp.Expression | None:
    """A SQL projection's statement as the classification qualified it (columns bound to their tables)."""
    c = _classifier(cfg)
    c.info(table.lower())
    traced = c.traced.get(table.lower())
    return traced[0] if traced else None
