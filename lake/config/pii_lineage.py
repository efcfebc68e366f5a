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
        pii = {c for c in columns if reads_pii and self._derived_from_pii(c, tree, schema, upstream)}
        return TableInfo(tuple(columns), frozenset(pii), closed=True)

    @staticmethod
    def _derived_from_pii(column: str, tree: exp.Expression, schema: dict[str, Any],
                          upstream: dict[str, TableInfo]) -> bool:
        try:
            node = lineage(column, tree, schema=schema, dialect=DIALECT)
        except sqlglot.errors.SqlglotError:
            return True  # cannot trace it: fail closed
        for n in node.walk():
            if n.downstream:
                continue
            if isinstance(n.source, exp.Select):
                continue  # a literal, COUNT(*), a function of nothing: reads no column
            if not isinstance(n.source, exp.Table):
                return True
            ref = f"{n.source.db}.{n.source.name}".lower()
            source_column = exp.to_column(n.name, dialect=DIALECT).name.lower()
            info = upstream.get(ref)
            if info is None or info.carries(source_column) or (source_column == "*" and info.any_pii):
                return True
        return False


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
