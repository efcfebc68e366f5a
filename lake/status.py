"""``lake status``: per dataset, what was loaded, when, and whether it is within its SLA."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lake.runtime.context import Context


def status(ctx: Context, zone: str | None = None) -> list[dict[str, Any]]:
    records = ctx.ledger.records(zone)
    out = []
    for z in ctx.cfg.zones.values():
        if zone and z.name != zone:
            continue
        for name, ds in z.datasets.items():
            mine = [r for r in records if r.zone == z.name and r.dataset == name]
            loaded = [r for r in mine if r.outcome in ("staged", "partial")]
            last = max((r.completed_at for r in loaded if r.completed_at), default=None)
            health = "never loaded"
            if last:
                age_h = (datetime.now(UTC) - datetime.fromisoformat(last)).total_seconds() / 3600
                health = "stale" if ds.freshness_hours and age_h > ds.freshness_hours else "fresh"
            if mine and mine[-1].outcome == "quarantined":
                health = "failing"
            out.append({"table": f"{z.name}_ods.{name}", "health": health, "last_load": last,
                        "rows": sum(r.rows_staged for r in loaded),
                        "quarantined_files": sum(r.outcome == "quarantined" for r in mine),
                        "freshness_sla_hours": ds.freshness_hours})
    return out
