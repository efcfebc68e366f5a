"""``lake plan``: what a config change does before it is merged.

Compares the insight zone config at a git revision (default ``HEAD``) with the working tree:
tables added and removed, schema changes per table (additive or breaking, by the same rules the
to_ods job applies), every projection in any zone whose SQL uses a removed, renamed or narrowed
column (and everything downstream of it), and grants gained and lost per principal.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlglot import exp

from lake.config import LakeConfig, load_config
from lake.config.evolution import ods_type
from lake.config.evolution import plan as evolve
from lake.config.projection import parse_sql


@dataclass
class Plan:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    schema: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # table -> additive/breaking
    broken: dict[str, str] = field(default_factory=dict)  # downstream projection -> why
    grants_gained: dict[str, list[str]] = field(default_factory=dict)  # principal -> tables
    grants_lost: dict[str, list[str]] = field(default_factory=dict)

    @property
    def breaking(self) -> bool:
        return bool(self.broken)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "schema": self.schema, "broken": self.broken,
                "grants_gained": self.grants_gained, "grants_lost": self.grants_lost, "breaking": self.breaking}


def config_at(rev: str, root: Path, repo: Path) -> LakeConfig:
    """The insight_zones tree as committed at ``rev``, loaded from a scratch copy."""
    rel = root.resolve().relative_to(repo.resolve())
    blob = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", rev, str(rel)], check=True,
                          capture_output=True).stdout
    scratch = Path(tempfile.mkdtemp(prefix="lake-plan-"))
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(scratch, filter="data")
    return load_config(scratch / rel)


def _columns(cfg: LakeConfig) -> dict[str, dict[str, str]]:
    """table -> column -> type (ODS: the contract; analytics: the SELECT list's names)."""
    out: dict[str, dict[str, str]] = {}
    for z in cfg.zones.values():
        for name, ds in z.datasets.items():
            out[f"{z.name}_ods.{name}"] = {c.name: ods_type(ds, c.name).sql for c in ds.columns if c.pii != "drop"}
        for p in z.projections.values():
            if p.is_python:
                continue
            select = parse_sql(p.sql).find(exp.Select)
            out[p.table] = {e.alias_or_name.lower(): "?" for e in select.expressions} if select else {}
    return out


def _used(sql: str) -> set[str]:
    return {c.name.lower() for c in parse_sql(sql).find_all(exp.Column)}


def _grants(cfg: LakeConfig) -> set[tuple[str, str]]:
    """(principal, table) pairs: a zone's readers read its tables and those published to it."""
    tables = {z.name: [f"{z.name}_ods.{d}" for d in z.datasets] + [p.table for p in z.projections.values()]
              for z in cfg.zones.values()}
    for z in cfg.zones.values():
        for pub in z.spec.publish:
            for to in pub.to:
                tables.setdefault(to, []).append(pub.table)
    return {(who, t) for z in cfg.zones.values() for who in set(z.spec.readers) | set(z.spec.pii_readers)
            for t in tables.get(z.name, [])}


def plan(base: LakeConfig, new: LakeConfig) -> Plan:
    out = Plan()
    old_cols, new_cols = _columns(base), _columns(new)
    out.added, out.removed = sorted(set(new_cols) - set(old_cols)), sorted(set(old_cols) - set(new_cols))
    lost: dict[str, set[str]] = {t: set() for t in out.removed}  # table -> columns gone or narrowed
    for z in new.zones.values():
        for name, ds in z.datasets.items():
            t = f"{z.name}_ods.{name}"
            if t not in old_cols:
                continue
            evo = evolve(ds, old_cols[t])
            additive = [f"add {c} {ty}" for c, ty in evo.add] + [f"widen {c} to {ty}" for c, ty in evo.widen]
            if additive or evo.breaking:
                out.schema[t] = {"additive": additive, "breaking": evo.breaking}
            lost[t] = {c for c in old_cols[t] if c not in new_cols[t]} | {
                c for c in old_cols[t] if any(f"'{c}' would narrow" in b for b in evo.breaking)}
    for t in set(old_cols) & set(new_cols):
        if t.split(".")[0].endswith("_analytics"):
            gone = set(old_cols[t]) - set(new_cols[t])
            if gone:
                out.schema[t] = {"additive": [f"add {c}" for c in set(new_cols[t]) - set(old_cols[t])],
                                 "breaking": [f"column '{c}' was removed or renamed" for c in sorted(gone)]}
                lost[t] = gone
    from lake.tasks.projections.plan import build_order

    for p in build_order(new):  # dependencies first, so a broken table breaks what reads it
        for src in sorted(p.reads):
            if src in out.broken:
                out.broken[p.table] = f"reads {src}, which breaks"
                break
            hit = sorted(lost.get(src, set()) & _used(p.sql)) if not p.is_python else sorted(lost.get(src, set()))
            if hit or src in out.removed:
                what = f"uses {', '.join(src + '.' + c for c in hit)}" if hit else f"reads removed table {src}"
                out.broken[p.table] = f"{what} ({p.path.name})"
                break
    old_g, new_g = _grants(base), _grants(new)
    for pairs, into in ((new_g - old_g, out.grants_gained), (old_g - new_g, out.grants_lost)):
        for who, t in sorted(pairs):
            into.setdefault(who, []).append(t)
    return out


def render(p: Plan) -> str:
    lines = [f"+ table {t}" for t in p.added] + [f"- table {t}" for t in p.removed]
    for t, ch in sorted(p.schema.items()):
        lines += [f"~ {t}: {c} (additive)" for c in ch["additive"]]
        lines += [f"! {t}: {c} (BREAKING)" for c in ch["breaking"]]
    lines += [f"x breaks {t}: {why}" for t, why in p.broken.items()]
    lines += [f"+ grant {who}: {', '.join(ts)}" for who, ts in p.grants_gained.items()]
    lines += [f"- grant {who}: {', '.join(ts)}" for who, ts in p.grants_lost.items()]
    lines.append("plan: breaks downstream tables" if p.breaking else "plan: nothing downstream breaks")
    return "\n".join(lines)
