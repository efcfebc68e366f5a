"""``lake validate``'s check of projection SQL against Athena semantics (lake.sql): a construct that no
engine here answers exactly as Athena does is reported "not supported", with a hint.

Column types come from the contracts (staging and ODS tables) and, in dependency order, from the
upstream projections' own SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot

from lake import sql as athena

if TYPE_CHECKING:
    from lake.config.loader import LakeConfig
    from lake.config.projection import Projection


def contract_schema(cfg: LakeConfig) -> athena.Schema:
    schema: athena.Schema = {}
    for z in cfg.zones.values():
        for ds in z.datasets.values():
            cols = {c.name.lower(): c.type.sql for c in ds.columns}
            for layer in ("staging", "ods"):
                schema.setdefault(f"{z.name}_{layer}", {})[ds.name] = cols
    return schema


def _upstream_first(cfg: LakeConfig) -> list[Projection]:
    by_table = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    order: list[Projection] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen or table not in by_table:
            return
        seen.add(table)  # before the reads: a cycle (reported elsewhere) ends here
        for ref in sorted(by_table[table].reads):
            visit(ref)
        order.append(by_table[table])

    for table in sorted(by_table):
        visit(table)
    return order


def unsupported(cfg: LakeConfig) -> dict[Projection, list[str]]:
    """Per SQL projection, what is not supported."""
    schema, found = contract_schema(cfg), {}
    for p in _upstream_first(cfg):
        if p.is_python or p.refused:
            continue
        try:
            tree = athena.parse(p.sql)
        except sqlglot.errors.SqlglotError:
            continue  # reported as invalid SQL elsewhere
        problems = athena.check(tree, schema)
        if problems:
            found[p] = problems
        db, name = p.table.split(".")
        schema.setdefault(db, {})[name] = athena.output_types(tree)
    return found
