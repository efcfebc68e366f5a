"""``lake lineage``: table and column lineage across zones, read from config alone.

Tables: ``ingress:<zone>/<dataset>`` -> ``<zone>_staging.<dataset>`` -> ``<zone>_ods.<dataset>`` ->
projections (their ``reads``, taken from the SQL by sqlglot). Columns: sqlglot's lineage over the
projection SQL, followed from projection to projection down to the ODS columns.
"""

from __future__ import annotations

from typing import Any

from lake.config import LakeConfig
from lake.config.projection import DIALECT


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
    """Where ``table.column`` comes from: one row per hop, down to ODS (or staging) columns."""
    from sqlglot.lineage import lineage

    projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    out: list[dict[str, Any]] = []
    todo, seen = [(table, column.lower())], set()
    while todo:
        t, c = todo.pop(0)
        if (t, c) in seen or t not in projections:
            continue
        seen.add((t, c))
        p = projections[t]
        if p.is_python:
            out.append({"table": t, "column": c, "from": sorted(f"{r}.*" for r in p.reads), "via": "python"})
            continue
        node = lineage(c, p.sql, {}, dialect=DIALECT)
        sources = []
        for n in node.walk():
            src = getattr(n, "source", None)
            if src is not None and src.key == "table" and not n.downstream:
                name = f"{src.db}.{src.name}".lower() if src.db else src.name.lower()
                col = n.name.split(".")[-1].lower()
                sources.append(f"{name}.{col}")
        out.append({"table": t, "column": c, "from": sorted(set(sources)), "via": str(p.path)})
        todo += [(s.rsplit(".", 1)[0], s.rsplit(".", 1)[1]) for s in sorted(set(sources))]
    return out


def render(cfg: LakeConfig, table: str, depth: int | None = None) -> str:
    lines = [table, "  upstream:"]
    lines += [f"    {'  ' * (lvl - 1)}<- {t}" for lvl, t in upstream(cfg, table, depth)] or ["    (none)"]
    lines.append("  downstream:")
    lines += [f"    {'  ' * (lvl - 1)}-> {t}" for lvl, t in downstream(cfg, table, depth)] or ["    (none)"]
    return "\n".join(lines)
