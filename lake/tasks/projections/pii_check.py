"""Hold a Python projection to its ``PII_COLUMNS`` declaration, using Spark's analyzed plan.

Config alone cannot trace Python (lake/config/pii_lineage.py), so a Python projection reading PII
declares which of its output columns carry it. Here the build traces every output column through
the analyzed plan to the input columns it is computed from, and refuses a declaration that leaves
out a column derived from a PII input column. Where a plan node's lineage is not understood, its
new columns are taken to derive from everything below it (fail closed).
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame

from lake.config import LakeConfig, Projection
from lake.config.pii_lineage import python_pii_declaration, table_info
from lake.query.grants import AccessDenied
from lake.tasks.projections.guard import catalog_table, node_kind, scala_list, v2_table

Source = tuple[str, str]  # (table, column)


class _Lineage:
    def __init__(self, catalog: str):
        self.catalog = catalog
        self.sources: dict[int, set[Source]] = {}

    @staticmethod
    def _id(attr: Any) -> int:
        return int(attr.exprId().id())

    def _output(self, node: Any) -> list[Any]:
        return scala_list(node.output())

    def _leaf(self, node: Any) -> None:
        kind = node_kind(node)
        table = v2_table(node, self.catalog) if kind == "DataSourceV2Relation" else \
            catalog_table(node) if kind in ("LogicalRelation", "HiveTableRelation") else None
        for a in self._output(node):
            self.sources.setdefault(self._id(a), set()).update({(table, str(a.name()).lower())} if table else set())

    def _expression_sources(self, expr: Any) -> set[Source]:
        out: set[Source] = set()
        todo = [expr]
        while todo:
            e = todo.pop()
            if node_kind(e) == "AttributeReference":
                out |= self.sources.get(self._id(e), set())
            if node_kind(e).endswith(("Subquery", "ListQuery", "Exists")) and hasattr(e, "plan"):
                plan = e.plan()
                self.visit(plan)
                out |= set().union(*(self.sources.get(self._id(a), set()) for a in self._output(plan)))
            todo += scala_list(e.children())
        return out

    def visit(self, node: Any) -> None:
        children = scala_list(node.children())
        for child in children:
            self.visit(child)
        if not children:
            self._leaf(node)
            return
        for e in scala_list(node.expressions()):
            if node_kind(e) == "Alias":
                self.sources[self._id(e)] = self._expression_sources(e)
        outputs = self._output(node)
        if node_kind(node) in ("Union", "Intersect", "Except"):  # columns by position, from every branch
            for i, a in enumerate(outputs):
                for child in children:
                    self.sources.setdefault(self._id(a), set()).update(
                        self.sources.get(self._id(self._output(child)[i]), set()))
        below = None
        for a in outputs:
            if self._id(a) not in self.sources:  # a node whose new columns we do not trace: all of below
                below = below if below is not None else set().union(
                    *(self.sources.get(self._id(c), set()) for ch in children for c in self._output(ch)))
                self.sources[self._id(a)] = set(below)


def column_sources(df: DataFrame) -> dict[str, set[Source]]:
    """Output column (lower case) -> the input ``(table, column)`` pairs it is computed from."""
    lineage = _Lineage(df.sparkSession.catalog.currentCatalog())
    plan = df._jdf.queryExecution().analyzed()
    lineage.visit(plan)
    return {str(a.name()).lower(): lineage.sources.get(lineage._id(a), set()) for a in scala_list(plan.output())}


def check_declaration(cfg: LakeConfig, projection: Projection, df: DataFrame) -> None:
    """Fail the build when ``PII_COLUMNS`` omits an output column derived from a PII input column."""
    declared = python_pii_declaration(projection.sql)
    if declared is None:
        return  # undeclared: every output column is PII already
    missing = []
    for column, sources in sorted(column_sources(df).items()):
        pii = sorted(f"{t}.{c}" for t, c in sources if table_info(cfg, t).carries(c))
        if pii and column not in declared:
            missing.append(f"{column} (from {', '.join(pii)})")
    if missing:
        raise AccessDenied(f"access denied: projection {projection.table} ({projection.path.name}) returns PII "
                           f"columns its PII_COLUMNS does not list: {'; '.join(missing)}")
