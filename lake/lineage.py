"""``lake lineage``: table and column lineage across zones, read from config alone.

Tables: ``ingress:<zone>/<dataset>`` -> ``<zone>_staging.<dataset>`` -> ``<zone>_ods.<dataset>`` ->
projections (their ``reads``, taken from the SQL by sqlglot). Columns: sqlglot's lineage over the
projection SQL, followed from projection to projection down to the ODS columns.
"""

from __future__ import annotations

from typing import Any

from lake.config import LakeConfig
from lake.config.pii_lineage import column_lineage, qualified_sql


def graph(cfg: LakeConfig) -> dict[str, set[str]]:
    """table -> the tables it is built from (direct)."""
    g: dict[str, set[str]] = {}
    for z in cfg.zones.values():
        for name in z.datasets:
            g[f"ingress:{z.name}/{name}"] = set()
            g[f"{z.name}_staging.{name}"] = {f"ingress:{z.name}/{name}"}
            g[f"{z.name}_ods.{name}"] = {f"{z.name}_staging.{name}"}
        for p in z.projections.values():
            g[p.table] = set(p.reads)
    return g


def _walk(edges: dict[str, set[str]], table: str, depth: int | None) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    seen = {table}
    frontier, level = [table], 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt = sorted({t for f in frontier for t in edges.get(f, set())} - seen)
        seen.update(nxt)
        out += [(level, t) for t in nxt]
        frontier = nxt
    return out


def upstream(cfg: LakeConfig, table: str, depth: int | None = None) -> list[tuple[int, str]]:
    return _walk(graph(cfg), table, depth)


def downstream(cfg: LakeConfig, table: str, depth: int | None = None) -> list[tuple[int, str]]:
    rev: dict[str, set[str]] = {}
    for t, ups in graph(cfg).items():
        for u in ups:
            rev.setdefault(u, set()).add(t)
    return _walk(rev, table, depth)


def resolve(cfg: LakeConfig, name: str) -> str:
    """Accept ``zone_layer.table``, ``zone/dataset`` or ``zone.table``; raise KeyError if unknown."""
    g = graph(cfg)
    if name in g:
        return name
    if "/" in name and f"ingress:{name}" in g:
        return f"ingress:{name}"
    zone, _, table = name.partition(".")
    for layer in ("analytics", "ods"):
        if f"{zone}_{layer}.{table}" in g:
            return f"{zone}_{layer}.{table}"
    raise KeyError(name)


def columns(cfg: LakeConfig, table: str, column: str) -> list[dict[str, Any]]:
    """Where ``table.column`` comes from: one row per hop, down to ODS (or staging) columns.

    Each hop is the trace the PII classification makes (lake/config/pii_lineage.py), so what
    ``lake lineage --columns`` shows is what decides which columns are PII."""
    projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    out: list[dict[str, Any]] = []
    todo, seen = [(table, column.lower())], set()
    while todo:
        t, c = todo.pop(0)
        if (t, c) in seen or t not in projections:
            continue
        seen.add((t, c))
        p = projections[t]
        traced = column_lineage(cfg, t)
        if traced is None or c not in traced:  # Python, or SQL sqlglot cannot follow: any input column
            out.append({"table": t, "column": c, "from": sorted(f"{r}.*" for r in p.reads),
                        "via": "python" if p.is_python else str(p.path)})
            continue
        sources = sorted({f"{s.table}.{s.column}" for s in traced[c]})
        out.append({"table": t, "column": c, "from": sources, "via": str(p.path)})
        todo += [(s.rsplit(".", 1)[0], s.rsplit(".", 1)[1]) for s in sources]
    return out


# Clauses whose columns shape the whole output rather than one column: OpenLineage's INDIRECT subtypes.
_INDIRECT = {"where": "FILTER", "joins": "JOIN", "group": "GROUP_BY", "having": "FILTER", "qualify": "FILTER",
             "order": "SORT"}


def indirect(cfg: LakeConfig, table: str) -> list[tuple[str, str, str]]:
    """(input table, input column, FILTER | JOIN | GROUP_BY | SORT) for every column a SQL projection
    filters, joins, groups or sorts on, followed through CTEs and subqueries to the tables it reads."""
    from sqlglot import exp
    from sqlglot.optimizer.scope import Scope, traverse_scope

    tree = qualified_sql(cfg, table)
    if tree is None:
        return []

    def resolve(scope: Scope, col: exp.Column, depth: int = 0) -> set[tuple[str, str]]:
        if depth > 32:
            return set()
        src = scope.sources.get(col.table) if col.table else None
        if isinstance(src, exp.Table):
            return {(f"{src.db}.{src.name}".lower(), col.name.lower())}
        if isinstance(src, Scope):  # a CTE's or a subquery's column
            inner = src
        elif not col.table:  # an output column by its alias (ORDER BY total)
            inner = scope
        else:
            return set()
        out: set[tuple[str, str]] = set()
        if isinstance(inner.expression, exp.Select):
            for proj in inner.expression.selects:
                if proj.alias_or_name == col.name:
                    for c in proj.find_all(exp.Column):
                        if c is not col:
                            out |= resolve(inner, c, depth + 1)
        return out

    found: set[tuple[str, str, str]] = set()
    for scope in traverse_scope(tree):
        if not isinstance(scope.expression, exp.Select):
            continue
        for clause, subtype in _INDIRECT.items():
            part = scope.expression.args.get(clause)
            for node in part if isinstance(part, list) else [part] if part else []:
                for col in node.find_all(exp.Column):
                    found |= {(t, c, subtype) for t, c in resolve(scope, col)}
    return sorted(found)


def render(cfg: LakeConfig, table: str, depth: int | None = None) -> str:
    lines = [table, "  upstream:"]
    lines += [f"    {'  ' * (lvl - 1)}<- {t}" for lvl, t in upstream(cfg, table, depth)] or ["    (none)"]
    lines.append("  downstream:")
    lines += [f"    {'  ' * (lvl - 1)}-> {t}" for lvl, t in downstream(cfg, table, depth)] or ["    (none)"]
    return "\n".join(lines)
