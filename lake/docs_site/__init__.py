"""``lake docs``: a static catalog site, as ``dbt docs generate`` writes one.

One self-contained ``index.html`` (no server, no CDN: it opens from disk) with the catalog
embedded as JSON: zones, their tables with health badges (lake/health.py, as ``lake status``),
each table's columns (type, description, PII flag), quality rules and freshness, and a lineage graph across zones.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from lake.catalog import describe
from lake.health import health
from lake.runtime.context import Context


def site_data(ctx: Context) -> dict:
    """Every table as ``lake describe`` shows it (its state from the one health model, lake/health.py)."""
    cfg = ctx.cfg
    states = {h.table: h for h in health(ctx)}  # the platform records read once, not once per table
    tables = {t: describe(ctx, t, states[t]) for t in sorted(cfg.all_tables())}
    zones = [{"name": z.name, "description": z.spec.description,
              "owners": [o.email for o in z.spec.owners],
              "tables": sorted(t for t in tables if tables[t]["zone"] == z.name)} for z in cfg.zones.values()]
    return {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "zones": zones, "tables": tables}


def write_site(ctx: Context, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    template = resources.files(__package__).joinpath("index.html").read_text(encoding="utf-8")
    catalog = site_data(ctx)  # once: the page and catalog.json show the same state
    data = json.dumps(catalog, default=str).replace("</", "<\\/")  # safe inside <script>
    page = out / "index.html"
    page.write_text(template.replace("/*CATALOG*/null", data), encoding="utf-8")
    (out / "catalog.json").write_text(json.dumps(catalog, indent=2, default=str), encoding="utf-8")
    return page
