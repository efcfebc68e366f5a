"""Load and validate ``insight_zones/`` as a whole.

Every problem is collected with its file and field; ``load_config`` raises one
``ConfigError`` carrying all of them, so ``lake validate`` and ``cdk synth`` report the
same list, all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
import yaml
from pydantic import ValidationError

from lake.config.compile import compile_projections, did_you_mean, parse_problems
from lake.config.contract import Dataset, parse_contract
from lake.config.names import ZONE_MAX, name_problem
from lake.config.pii_lineage import python_pii_declaration
from lake.config.problems import ConfigError, Problem, Problems
from lake.config.projection import Projection, TableRefError, parse_sql, python_inputs, table_refs
from lake.config.projection_guard import spark_escapes
from lake.config.projection_tests import attach_tests, check_tests
from lake.config.sql_support import unsupported
from lake.config.table_schemas import Columns
from lake.config.zone import ZoneSpec

LAYERS = ("staging", "ods", "analytics")  # what zone readers may see; landing never


@dataclass
class Zone:
    name: str
    path: Path
    spec: ZoneSpec
    datasets: dict[str, Dataset] = field(default_factory=dict)
    projections: dict[str, Projection] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # projections whose file has errors: known, never built

    def tables(self) -> list[str]:
        out = [f"{self.name}_{layer}.{d}" for d in self.datasets for layer in ("staging", "ods")]
        return out + [p.table for p in self.projections.values()] + [
            f"{self.name}_analytics.{n}" for n in sorted(self.unreadable - set(self.projections))]


@dataclass
class LakeConfig:
    root: Path
    zones: dict[str, Zone]
    # table -> its columns and Athena types (lake.config.compile); None when only a run would tell
    schemas: dict[str, Columns | None] = field(default_factory=dict)
    sql_problems: list[Problem] = field(default_factory=list)  # compile errors, when loaded to keep them

    def all_tables(self) -> dict[str, Zone]:
        return {t: z for z in self.zones.values() for t in z.tables()}

    def readable_by(self, zone: str) -> set[str]:
        """Tables a zone's readers may query: its own, plus those published to it."""
        own = set(self.zones[zone].tables())
        shared = {p.table for z in self.zones.values() for p in z.spec.publish if zone in p.to}
        return own | shared

    def dataset(self, zone: str, name: str) -> Dataset | None:
        z = self.zones.get(zone)
        return z.datasets.get(name) if z else None


def _read_yaml(path: Path, problems: Problems) -> object | None:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        problems.add(path, where, f"YAML syntax error: {getattr(err, 'problem', None) or err}")
    except UnicodeDecodeError as err:
        problems.add(path, "-", f"not UTF-8 text: {err}")
    return None


def _load_zone(folder: Path, problems: Problems) -> Zone | None:
    zfile = folder / "zone.yaml"
    if not zfile.exists():
        problems.add(zfile, "-", "missing: every zone folder needs a zone.yaml")
        return None
    raw = _read_yaml(zfile, problems)
    if raw is None:
        return None
    try:
        spec = ZoneSpec.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "-"
            msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
            problems.add(zfile, loc, msg)
        # Keep checking the zone's datasets and projections: without the unknown keys the
        # spec may still load, and then one typo does not hide every other problem.
        known = {k: v for k, v in raw.items() if k in ZoneSpec.model_fields} if isinstance(raw, dict) else {}
        try:
            spec = ZoneSpec.model_validate(known)
        except ValidationError:
            return None
    if spec.zone != folder.name:
        problems.add(zfile, "zone", f"'{spec.zone}' must match its folder name '{folder.name}'")
    zone = Zone(folder.name, folder, spec)
    if problem := name_problem(folder.name, "zone", ZONE_MAX):
        problems.add(zfile, "zone", problem)

    for path in sorted((folder / "datasets").glob("*.y*ml")):
        doc = _read_yaml(path, problems)
        if doc is None:
            continue
        ds = parse_contract(doc, path, zone.name, problems)
        if ds is None:
            continue
        if problem := name_problem(ds.name, "dataset"):
            problems.add(path, "name", problem)
        if ds.name in zone.datasets:
            problems.add(path, "name", f"dataset '{ds.name}' is already defined by {zone.datasets[ds.name].path.name}")
            continue
        zone.datasets[ds.name] = ds

    for path in sorted((folder / "projections").glob("*.*")):
        if path.suffix not in (".sql", ".py") or path.name.startswith("_"):
            continue
        source = path.read_text(encoding="utf-8")
        try:
            reads = python_inputs(source) if path.suffix == ".py" else frozenset(table_refs(parse_sql(source)))
            if path.suffix == ".py":
                python_pii_declaration(source)
        except TableRefError as err:  # a path, table function or catalog name: reported with the grants
            zone.projections[path.stem] = Projection(zone.name, path.stem, path, source, frozenset(), str(err))
            continue
        except sqlglot.errors.SqlglotError as err:
            for sp in parse_problems(err):
                problems.add(path, "sql", sp.message, sp.line, sp.col)
            zone.unreadable.add(path.stem)
            continue
        except (SyntaxError, ValueError) as err:
            problems.add(path, "INPUTS", f"not a valid Python projection: {err}")
            zone.unreadable.add(path.stem)
            continue
        if path.stem in zone.projections:
            problems.add(path, "-", f"projection '{path.stem}' is defined twice (.sql and .py)")
            continue
        if problem := name_problem(path.stem, "projection"):
            problems.add(path, "-", problem)
        zone.projections[path.stem] = Projection(zone.name, path.stem, path, source, reads)
    attach_tests(zone, _read_yaml, problems)
    return zone


def _check_grants(cfg: LakeConfig, problems: Problems) -> None:
    tables = cfg.all_tables()
    for z in cfg.zones.values():
        zfile = z.path / "zone.yaml"
        for i, pub in enumerate(z.spec.publish):
            if tables.get(pub.table) is not z:
                problems.add(zfile, f"publish[{i}].table", f"'{pub.table}' is not a table of zone '{z.name}'")
            for target in pub.to:
                if target not in cfg.zones:
                    problems.add(zfile, f"publish[{i}].to", f"zone '{target}' does not exist")
        for i, sub in enumerate(z.spec.subscribe):
            if sub not in cfg.readable_by(z.name):
                problems.add(zfile, f"subscribe[{i}]", f"'{sub}' is not a table zone '{z.name}' may read")


def _check_projections(cfg: LakeConfig, problems: Problems) -> set[str]:
    """Access and, for Python projections, their INPUTS (SQL is compiled later, lake.config.compile);
    returns the projections refused here."""
    tables, refused = cfg.all_tables(), set()
    for z in cfg.zones.values():
        readable = cfg.readable_by(z.name)
        for p in z.projections.values():
            escapes = [] if p.is_python else spark_escapes(parse_sql(p.sql), readable)
            messages = [str(e) for e in escapes] or ([f"access denied: {p.refused}"] if p.refused else [])
            for message in messages:
                problems.add(p.path, "sql", message)
                refused.add(p.table)
            if not p.is_python:
                continue
            for ref in sorted(p.reads - {e.ref for e in escapes if e.ref}):
                if ref not in tables:
                    problems.add(p.path, "INPUTS", f"reads '{ref}', which does not exist" + did_you_mean(ref, readable))
                elif ref not in readable:
                    problems.add(p.path, "INPUTS",
                                 f"reads '{ref}', which zone '{tables[ref].name}' does not publish to '{z.name}'")
                else:
                    continue
                refused.add(p.table)
    for cycle in find_cycles(cfg):
        first = cfg.zones[cycle[0].split("_analytics.")[0]].projections[cycle[0].split(".")[1]]
        problems.add(first.path, "sql", "projection cycle: " + " -> ".join(cycle + [cycle[0]]))
        refused.update(cycle)
    for p, messages in unsupported(cfg).items():  # Athena semantics the engines cannot give (lake.sql)
        for message in messages:
            problems.add(p.path, "sql", message)
    return refused


def projection_graph(cfg: LakeConfig) -> dict[str, set[str]]:
    """projection table -> the projection tables it reads."""
    projections = {p.table: p for z in cfg.zones.values() for p in z.projections.values()}
    return {t: {r for r in p.reads if r in projections} for t, p in projections.items()}


def find_cycles(cfg: LakeConfig) -> list[list[str]]:
    graph, state, cycles = projection_graph(cfg), {}, []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def load_config(root: Path | str = "insight_zones", keep_sql_errors: bool = False) -> LakeConfig:
    """The config, or ConfigError with every problem. ``keep_sql_errors``: SQL projections that do not
    compile (an unknown column...) are kept in ``sql_problems`` instead (``lake plan`` reports what a
    change breaks downstream)."""
    root = Path(root).resolve()
    problems = Problems(root)
    if not root.is_dir():
        problems.add(root, "-", "no insight_zones folder here")
        raise ConfigError(problems.items)
    zones = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        zone = _load_zone(folder, problems)
        if zone:
            zones[zone.name] = zone
    cfg = LakeConfig(root, zones)
    _check_grants(cfg, problems)
    refused = _check_projections(cfg, problems)
    compiled = Problems(root)
    cfg.schemas = compile_projections(cfg, compiled, refused)
    if keep_sql_errors:
        cfg.sql_problems = compiled.items
    else:
        problems.items += compiled.items
    check_tests(cfg, problems)
    if problems:
        raise ConfigError(problems.items)
    return cfg
