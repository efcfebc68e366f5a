"""``lake plan``: what a config change does before it is merged.

Compares the insight zone config at a git revision (default ``HEAD``) with the working tree. Both
are compiled (lake.config.compile), so a projection's output columns and types are known without
running it. Reported: tables added and removed; per table, additive and breaking changes (contracts:
by the rules the to_ods job applies; projections: output columns added, removed or retyped); every
projection the change breaks (it no longer compiles, or a Python projection names a lost column) and
everything downstream of it; the zones that read what breaks (the owner and the zones it publishes
to); grants gained and lost per principal. A breaking change makes ``lake plan`` exit 1.
"""

from __future__ import annotations

import ast
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from lake.config import LakeConfig, load_config
from lake.config.evolution import ods_type
from lake.config.evolution import plan as evolve
from lake.config.table_schemas import PROMOTED_AT, Columns


@dataclass
class Plan:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    schema: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # table -> additive/breaking
    broken: dict[str, str] = field(default_factory=dict)  # downstream projection -> why
    consumers: dict[str, list[str]] = field(default_factory=dict)  # breaking table -> zones that read it
    unknown: dict[str, str] = field(default_factory=dict)  # changed table whose columns only a run tells
    grants_gained: dict[str, list[str]] = field(default_factory=dict)  # principal -> tables
    grants_lost: dict[str, list[str]] = field(default_factory=dict)

    @property
    def breaking(self) -> bool:
        return bool(self.broken) or any(ch["breaking"] for ch in self.schema.values()) or bool(self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "schema": self.schema, "broken": self.broken,
                "consumers": self.consumers, "unknown": self.unknown, "grants_gained": self.grants_gained,
                "grants_lost": self.grants_lost, "breaking": self.breaking}


def config_at(rev: str, root: Path, repo: Path) -> LakeConfig:
    """The insight_zones tree as committed at ``rev``, loaded from a scratch copy."""
    rel = root.resolve().relative_to(repo.resolve())
    blob = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", rev, str(rel)], check=True,
                          capture_output=True).stdout
    scratch = Path(tempfile.mkdtemp(prefix="lake-plan-"))
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(scratch, filter="data")
    return load_config(scratch / rel, keep_sql_errors=True)


def _columns(cfg: LakeConfig, python: dict[str, Columns] | None = None) -> dict[str, Columns | None]:
    """Table -> column -> type: ODS from the contract; analytics from the compiled projection (a Python
    projection's from ``python``, when it was run, else None: unknown)."""
    out: dict[str, Columns | None] = {}
    for z in cfg.zones.values():
        for name, ds in z.datasets.items():
            out[f"{z.name}_ods.{name}"] = {c.name: ods_type(ds, c.name).sql for c in ds.columns if c.pii != "drop"}
        for p in z.projections.values():
            cols = (python or {}).get(p.table) if p.is_python else cfg.schemas.get(p.table)
            out[p.table] = None if cols is None else {c: t for c, t in cols.items() if c not in PROMOTED_AT}
    return out


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


def _readers(cfg: LakeConfig, table: str) -> list[str]:
    """The zones whose readers see ``table``: its owner, and the zones it is published to."""
    owner = cfg.all_tables().get(table)
    if owner is None:
        return []
    return [owner.name] + sorted(owner.spec.published_to(table) - {owner.name})


def _projection_changes(old: Columns, new: Columns) -> dict[str, list[str]]:
    additive = [f"add column {c} {t}" for c, t in new.items() if c not in old]
    breaking = [f"column '{c}' was removed or renamed" for c in old if c not in new]
    breaking += [f"column '{c}' changes type from {old[c]} to {new[c]}" for c in old
                 if c in new and "unknown" not in (old[c], new[c]) and old[c] != new[c]]
    return {"additive": additive, "breaking": breaking}


def plan(base: LakeConfig, new: LakeConfig, python: tuple[dict[str, Columns], dict[str, Columns]] | None = None) \
        -> Plan:
    """``python``: the output columns of Python projections (base, new), when ``--diff`` ran them."""
    out = Plan()
    old_cols, new_cols = _columns(base, python[0] if python else None), _columns(new, python[1] if python else None)
    out.added, out.removed = sorted(set(new_cols) - set(old_cols)), sorted(set(old_cols) - set(new_cols))
    lost: dict[str, set[str]] = {t: set() for t in out.removed}  # table -> columns gone or retyped
    for z in new.zones.values():
        for name, ds in z.datasets.items():
            t, had = f"{z.name}_ods.{name}", old_cols.get(f"{z.name}_ods.{name}")
            if had is None:
                continue
            evo = evolve(ds, had)
            additive = [f"add {c} {ty}" for c, ty in evo.add] + [f"widen {c} to {ty}" for c, ty in evo.widen]
            if additive or evo.breaking:
                out.schema[t] = {"additive": additive, "breaking": evo.breaking}
            lost[t] = {c for c in had if c not in (new_cols[t] or {})} | {
                c for c in had if any(f"'{c}' would narrow" in b for b in evo.breaking)}
    old_src = {p.table: p.sql for z in base.zones.values() for p in z.projections.values()}
    for z in new.zones.values():
        for p in z.projections.values():
            before, after = old_cols.get(p.table), new_cols.get(p.table)
            if p.table not in old_src or old_src[p.table] == p.sql and before == after:
                continue
            if before is None or after is None:
                out.unknown[p.table] = ("a Python projection: run `lake plan --diff` to compare its columns"
                                        if p.is_python else "its columns could not be compiled")
                continue
            changes = _projection_changes(before, after)
            if changes["additive"] or changes["breaking"]:
                out.schema[p.table] = changes
            lost[p.table] = {c for c in before if c not in after or before[c] != after[c]}
    _broken(base, new, lost, out)
    out.unknown = {t: why for t, why in out.unknown.items() if t not in out.broken}
    for t in sorted({*out.removed, *out.broken, *(t for t, ch in out.schema.items() if ch["breaking"])}):
        out.consumers[t] = _readers(new if t not in out.removed else base, t)
    old_g, new_g = _grants(base), _grants(new)
    for pairs, into in ((new_g - old_g, out.grants_gained), (old_g - new_g, out.grants_lost)):
        for who, t in sorted(pairs):
            into.setdefault(who, []).append(t)
    return out


def _broken(base: LakeConfig, new: LakeConfig, lost: dict[str, set[str]], out: Plan) -> None:
    """Projections that compiled before and do not now (the compile error says why), Python projections
    reading a lost column, and everything downstream of either."""
    from lake.tasks.projections.plan import build_order

    def in_root(shown: str) -> str:  # problems are shown relative to the root's parent, named differently
        return Path(shown).relative_to(Path(shown).parts[0]).as_posix()

    was_bad = {in_root(problem.path) for problem in base.sql_problems}
    errors: dict[str, str] = {}
    for problem in new.sql_problems:
        rel = in_root(problem.path)
        if rel not in was_bad and not problem.message.startswith("depends on a projection with errors"):
            errors.setdefault(rel, f"{problem.message} ({problem.path}:{problem.line}:{problem.col})")
    for p in build_order(new):  # dependencies first, so a broken table breaks what reads it
        rel = p.path.relative_to(new.root).as_posix()
        upstream = sorted(src for src in p.reads if src in out.broken)
        if upstream:
            out.broken[p.table] = f"reads {upstream[0]}, which breaks"
        elif rel in errors:
            out.broken[p.table] = errors[rel]
        elif p.is_python:  # not compiled: a lost column it names in a string literal is taken as used
            names = {n.value.lower() for n in ast.walk(ast.parse(p.sql))
                     if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            for src in sorted(p.reads):
                hit = sorted(lost.get(src, set()) & names)
                if src in out.removed or hit:
                    what = f"reads removed table {src}" if src in out.removed else \
                        f"uses {', '.join(src + '.' + c for c in hit)}"
                    out.broken[p.table] = f"{what} ({p.path.name})"
                    break


def render(p: Plan) -> str:
    lines = [f"+ table {t}" for t in p.added] + [f"- table {t} (BREAKING)" for t in p.removed]
    for t, ch in sorted(p.schema.items()):
        lines += [f"~ {t}: {c} (additive)" for c in ch["additive"]]
        lines += [f"! {t}: {c} (BREAKING)" for c in ch["breaking"]]
    lines += [f"? {t}: changed; {why}" for t, why in sorted(p.unknown.items())]
    lines += [f"x breaks {t}: {why}" for t, why in p.broken.items()]
    lines += [f"  read by zones: {t}: {', '.join(zones)}" for t, zones in p.consumers.items()]
    lines += [f"+ grant {who}: {', '.join(ts)}" for who, ts in p.grants_gained.items()]
    lines += [f"- grant {who}: {', '.join(ts)}" for who, ts in p.grants_lost.items()]
    if p.breaking:
        zones = sorted({z for zs in p.consumers.values() for z in zs})
        lines.append(f"plan: BREAKING: {len(p.broken)} projection(s) break; zones affected: {', '.join(zones)}")
    else:
        lines.append("plan: nothing breaks")
    return "\n".join(lines)
