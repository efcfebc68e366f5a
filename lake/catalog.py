"""The catalog: every table with its owner, schema, lineage and health, from config and storage.

Metadata only (no table data is read): contracts and projections say what a table is;
``lake.health`` (the one health model) says how big, how recent and how healthy it is; the
platform records say how its quality rules last fared. ``lake catalog``, ``lake describe`` and
``lake docs`` all read from here.
"""

from __future__ import annotations

import re
from typing import Any

from lake.config import LakeConfig
from lake.health import (
    TableHealth,
    Tables,
    TableUnreadable,
    iceberg_metadata,
    stored_or_problem,
    table_health,
    tables_of,
)
from lake.home import LakeHome
from lake.query.grants import Grants, owner, pii_columns
from lake.runtime.context import Context


def _description(cfg: LakeConfig, table: str) -> str:
    zone, layer, name = owner(table)
    z = cfg.zones[zone]
    if layer in ("staging", "ods"):
        return z.datasets[name].description.strip()
    proj = z.projections[name]
    if proj.is_python:
        doc = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', proj.sql, re.S)
        return " ".join(doc.group(1).split()) if doc else ""
    lines = [ln.strip()[2:].strip() for ln in proj.sql.splitlines() if ln.strip().startswith("--")]
    return " ".join(lines)


def upstream(cfg: LakeConfig, table: str) -> list[str]:
    zone, layer, name = owner(table)
    if layer == "staging":
        return []
    if layer == "ods":
        return [f"{zone}_staging.{name}"]
    return sorted(cfg.zones[zone].projections[name].reads)


def downstream(cfg: LakeConfig, table: str) -> list[str]:
    zone, layer, name = owner(table)
    out = [f"{zone}_ods.{name}"] if layer == "staging" else []
    return out + sorted(p.table for z in cfg.zones.values() for p in z.projections.values() if table in p.reads)


def visible(cfg: LakeConfig, zone: str | None = None, principal: str | None = None) -> list[str]:
    """The tables of the catalog: all of them, or those the zone / principal may read."""
    if zone is None and principal is None:
        return sorted(cfg.all_tables())
    grants = Grants.for_zone(cfg, zone) if zone else Grants.for_principal(cfg, principal or "")
    return sorted(t for t in grants.tables if t in cfg.all_tables())


def entry(cfg: LakeConfig, home: LakeHome | Tables, table: str) -> dict[str, Any]:
    zone, layer, _ = owner(table)
    rows, _, updated, problem = stored_or_problem(home, table)
    spec = cfg.zones[zone].spec
    return {"table": table, "zone": zone, "layer": layer, "owner": ", ".join(o.email for o in spec.owners),
            "description": _description(cfg, table), "rows": rows, "last_update": updated,
            "published_to": sorted(spec.published_to(table)), "problem": problem}


def catalog(cfg: LakeConfig, home: LakeHome | Tables, zone: str | None = None,
            principal: str | None = None) -> list[dict]:
    return [entry(cfg, home, t) for t in visible(cfg, zone, principal)]


def _columns(cfg: LakeConfig, home: LakeHome | Tables, table: str) -> list[dict[str, Any]]:
    zone, layer, name = owner(table)
    pii = pii_columns(cfg, table)
    ds = cfg.zones[zone].datasets.get(name) if layer != "analytics" else None
    if ds is not None:
        return [{"name": c.name, "type": c.type.sql, "description": c.description, "pii": c.is_pii,
                 "primary_key": c.primary_key, "required": c.required} for c in ds.columns]
    try:
        md = iceberg_metadata(home, table)
    except TableUnreadable:
        return []  # the table's "problem" says why
    if md is None:
        return []
    schema = next(s for s in md["schemas"] if s["schema-id"] == md.get("current-schema-id", 0))
    return [{"name": f["name"], "type": f["type"] if isinstance(f["type"], str) else f["type"].get("type"),
             "description": f.get("doc", ""), "pii": f["name"].lower() in pii, "primary_key": False,
             "required": bool(f.get("required"))} for f in schema["fields"] if not f["name"].startswith("_")]


def _quality(ctx: Context, table: str) -> list[dict[str, Any]]:
    zone, layer, name = owner(table)
    ds = ctx.cfg.zones[zone].datasets.get(name) if layer == "ods" else None
    if ds is None:
        return []
    results = [r for r in ctx.records.rows("quality_results", zone) if r["table_name"] == table]
    out = []
    for rule in ds.quality:
        last = max((r for r in results if r["rule"] == rule.name), key=lambda r: r["checked_at"] or "", default=None)
        out.append({"rule": rule.name, "metric": rule.metric, "column": rule.column, "action": rule.action,
                    "last_passed": None if last is None else last["passed"],
                    "last_checked": None if last is None else last["checked_at"],
                    "failing_rows": None if last is None else last["failing_rows"]})
    return out


def describe(ctx: Context, table: str, state: TableHealth | None = None) -> dict[str, Any]:
    """Config (columns, key, lineage, rules) and the table's state from the one health model
    (``state``: when the caller computed it already, for many tables at once)."""
    cfg = ctx.cfg
    if table not in cfg.all_tables():
        raise KeyError(table)
    tables = tables_of(ctx)  # the lake home, or Glue and S3 on AWS
    out = entry(cfg, tables, table)
    zone, layer, name = owner(table)
    ds = cfg.zones[zone].datasets.get(name)
    out["columns"] = _columns(cfg, tables, table)
    out["primary_key"] = ds.primary_key if ds and layer != "analytics" else []
    out["upstream"], out["downstream"] = upstream(cfg, table), downstream(cfg, table)
    out["quality"] = _quality(ctx, table)
    out.update((state or table_health(ctx, table)).as_dict())
    return out


def render_describe(d: dict[str, Any]) -> str:
    lines = [f"{d['table']}  ({d['layer']} of zone {d['zone']}; owner {d['owner']})", d["description"] or "-", "",
             f"rows: {d['rows'] if d['rows'] is not None else '-'}   snapshot: {d['snapshot_id'] or '-'}   "
             f"last update: {d['last_update'] or '-'}   health: {d['health']}",
             f"primary key: {', '.join(d['primary_key']) or '-'}", "", "columns:"]
    if d.get("problem"):
        lines[1:1] = [f"PROBLEM: {d['problem']}"]
    for c in d["columns"]:
        flags = " ".join(f for f, on in (("PII", c["pii"]), ("PK", c["primary_key"]), ("required", c["required"]))
                         if on)
        lines.append(f"  {c['name']:<22} {c['type']:<16} {flags:<16} {c['description']}".rstrip())
    lines += ["", f"upstream:   {', '.join(d['upstream']) or '-'}", f"downstream: {', '.join(d['downstream']) or '-'}"]
    if d["published_to"]:
        lines.append(f"published to: {', '.join(d['published_to'])}")
    if d["quality"]:
        lines += ["", "quality rules (last result):"]
        for q in d["quality"]:
            res = {None: "not run yet", True: "passed", False: f"FAILED ({q['failing_rows']} rows)"}[q["last_passed"]]
            lines.append(f"  {q['rule']:<28} {q['action']:<10} {res}" + (f"  at {q['last_checked']}"
                                                                          if q["last_checked"] else ""))
    sla = f"{d['freshness_sla_hours']:g} h" if d["freshness_sla_hours"] is not None else "-"
    age = f"{d['age_hours']} h" if d["age_hours"] is not None else "-"
    lines += ["", f"freshness: {d['freshness']} (last load {d['last_load'] or '-'}, age {age}, SLA {sla})"]
    if d["open_quarantines"]:
        lines += ["open quarantines:"] + [f"  {q['ingest_id']} {q['source_key']}: {q['reason']}"
                                          for q in d["open_quarantines"]]
    if d["open_alerts"]:
        lines.append(f"open alerts: {', '.join(d['open_alerts'])}")
    if d["error"]:
        lines.append(f"last run {d['last_run_id']} failed: {d['error']}")
    return "\n".join(lines)


def render_catalog(rows: list[dict[str, Any]]) -> str:
    out = [f"{'table':<46} {'layer':<9} {'rows':>7}  {'last update':<25} owner / description"]
    for r in rows:
        rows_txt = "-" if r["rows"] is None else str(r["rows"])
        out.append(f"{r['table']:<46} {r['layer']:<9} {rows_txt:>7}  {r['last_update'] or '-':<25} "
                   f"{r['owner']} — {r['description'][:60]}")
        if r.get("problem"):
            out.append(f"  PROBLEM: {r['problem']}")
    return "\n".join(out)

