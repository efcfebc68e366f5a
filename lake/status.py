"""``lake status`` and ``lake check-freshness``: per table, what was loaded, when, and is it healthy.

The state of each table comes from ``lake.health`` (the one health model ``lake describe`` and the
docs site show too); ``lake status`` lists the ODS and analytics tables.
"""

from __future__ import annotations

from typing import Any

from lake.health import health
from lake.runtime.context import Context


def status(ctx: Context, zone: str | None = None) -> list[dict[str, Any]]:
    """One ``TableHealth`` (as a dict) per ODS and analytics table of ``zone`` (default: all zones)."""
    tables = [t for z in ctx.cfg.zones.values() if zone is None or z.name == zone
              for t in [f"{z.name}_ods.{d}" for d in z.datasets] + [p.table for p in z.projections.values()]]
    return [h.as_dict() for h in health(ctx, tables, zone)]


def check_freshness(ctx: Context, zone: str | None = None,
                    rows: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Alert each table past its freshness SLA (once, until it is fresh again); the stale rows.

    ``rows``: the ``status`` rows when the caller has them already (one ledger read, not two)."""
    from lake.backends.alerts import recover

    stale = []
    for s in status(ctx, zone) if rows is None else rows:
        if s["freshness_sla_hours"] is None or s["last_load"] is None:
            continue
        if s["age_hours"] > s["freshness_sla_hours"]:
            stale.append(s)
            ctx.alert_zone(s["zone"], "warning", f"{s['table']} is stale: last load {s['last_load']} "
                           f"({s['age_hours']:.0f} h ago; the contract promises data every "
                           f"{s['freshness_sla_hours']:g} h)",
                           f"Check that the producers of {s['zone']} still deliver to ingress "
                           f"{s['table'].replace('_ods.', '/')}/ (and `lake ingest` for missed events). "
                           "Downstream tables are serving old data until then.",
                           table=s["table"], cause="stale", last_load=s["last_load"])
        else:
            recover(ctx, s["table"], ["stale"])
    return stale
