"""``lake docs``: a static catalog site, as ``dbt docs generate`` writes one.

One self-contained ``index.html`` (no server, no CDN: it opens from disk) with the catalog
embedded as JSON: zones, their tables with health badges, each table's columns (type,
description, PII flag), quality rules and freshness, and a lineage graph across zones.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from lake.catalog import describe
from lake.config import LakeConfig
from lake.home import LakeHome


def site_data(cfg: LakeConfig, home: LakeHome) -> dict:
    tables = {t: describe(cfg, home, t) for t in sorted(cfg.all_tables())}
    zones = [{"name": z.name, "description": z.spec.description,
              "owners": [o.email for o in z.spec.owners],
              "tables": sorted(t for t in tables if tables[t]["zone"] == z.name)} for z in cfg.zones.values()]
    return {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "zones": zones, "tables": tables}


def write_site(cfg: LakeConfig, home: LakeHome, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    template = resources.files(__package__).joinpath("index.html").read_text(encoding="utf-8")
    data = json.dumps(site_data(cfg, home), default=str).replace("</", "<\\/")  # safe inside <script>
    page = out / "index.html"
    page.write_text(template.replace("/*CATALOG*/null", data), encoding="utf-8")
    (out / "catalog.json").write_text(json.dumps(site_data(cfg, home), indent=2, default=str), encoding="utf-8")
    return page
