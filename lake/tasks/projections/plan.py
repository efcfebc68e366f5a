"""Projection planning: which analytics tables to rebuild, and in which order. Pure."""

from __future__ import annotations

from collections.abc import Collection
from graphlib import TopologicalSorter

from lake.config import LakeConfig, Projection, projection_graph


def build_order(cfg: LakeConfig) -> list[Projection]:
    """Every projection, dependencies first (across zones: finance before executive)."""
    projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    order = TopologicalSorter(projection_graph(cfg)).static_order()
    return [projections[t] for t in order]


def affected(cfg: LakeConfig, changed: set[str], missing: Collection[str] = ()) -> list[Projection]:
    """Projections reading a changed table (or not built yet), then everything downstream of them."""
    dirty: set[str] = set()
    out = []
    for p in build_order(cfg):
        if p.table in missing or p.reads & (changed | dirty):
            dirty.add(p.table)
            out.append(p)
    return out
