"""Projections whose inputs an erasure cannot see in their SQL: rebuilt by every erasure.

An erasure rebuilds the projections downstream of the tables it changed, as their SQL names
them. A Python projection runs code, and a SQL projection that names a table through
``IDENTIFIER('…')`` (or any function in a FROM clause) reads what its text does not say: either
may read a table, or a path, that holds the subject. Validation refuses such reads; the erasure
does not rely on it, and rebuilds these after every layer is erased.
"""

from __future__ import annotations

from sqlglot import exp

from lake.config import LakeConfig
from lake.config.projection import Projection, parse_sql


def _names_inputs_indirectly(sql: str) -> bool:
    tree = parse_sql(sql)
    if any(isinstance(t.this, exp.Func) for t in tree.find_all(exp.Table)):
        return True
    return any(f.name.upper() == "IDENTIFIER" for f in tree.find_all(exp.Anonymous))


def opaque(cfg: LakeConfig) -> list[Projection]:
    return [p for z in cfg.zones.values() for p in z.projections.values()
            if p.is_python or _names_inputs_indirectly(p.sql)]
