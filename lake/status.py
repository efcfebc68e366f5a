"""``lake status`` and ``lake check-freshness``: per table, what was loaded, when, and is it healthy.

Health: ``never loaded`` (nothing ever staged / built), ``failing`` (the last run of the table
failed or halted, its newest file was quarantined, or an alert on it is still open), ``stuck`` (an
ingest whose process died or whose lease lapsed: the next ``lake ingest`` finishes it),
``loading`` (an ingest in progress), ``stale`` (older than the contract's freshness SLA), else
``fresh``. Unfinished ingests never count as rows. The sources are the ingest ledger,
``platform.runs`` and the open alerts: all platform records, no table scans.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lake.backends.ledger import _ago, lapsed
from lake.ingest.lease import lease_seconds
from lake.runtime.context import Context


def _age_hours(at: str | None) -> float | None:
    if not at:
        return None
    return (datetime.now(UTC) - datetime.fromisoformat(at)).total_seconds() / 3600


def _last_run(runs: list[dict[str, Any]], table: str, task: str) -> tuple[dict | None, dict | None]:
    """The table's latest run of ``task`` (skipped no-ops aside) and its latest successful one."""
    mine = sorted((r for r in runs if r["table_name"] == table and r["task"] == task and r["status"] != "skipped"),
                  key=lambda r: r["ended_at"] or "")
    ok = [r for r in mine if r["status"] == "succeeded"]
    return (mine[-1] if mine else None), (ok[-1] if ok else None)


def status(ctx: Context, zone: str | None = None) -> list[dict[str, Any]]:
    records = ctx.ledger.records(zone)
    cutoff = _ago(lease_seconds())
    runs = ctx.records.rows("runs")
    open_alerts: dict[str, list[str]] = {}
    for a in ctx.records.rows("open_alerts"):
        open_alerts.setdefault(a["table_name"], []).append(a["cause"])
    out = []
    for z in ctx.cfg.zones.values():
        if zone and z.name != zone:
            continue
        for name, ds in z.datasets.items():
            table = f"{z.name}_ods.{name}"
            # ledger order is claim order (same-second arrivals included)
            mine = [r for r in records if r.zone == z.name and r.dataset == name and r.outcome != "duplicate"]
            loaded = [r for r in mine if r.outcome in ("staged", "partial")]
            last = max((r.completed_at for r in loaded if r.completed_at), default=None)
            clean = max((i for i, r in enumerate(mine) if r.outcome == "staged"), default=-1)
            open_q = [r for r in mine[clean + 1:] if r.outcome in ("quarantined", "partial")]
            latest, _ = _last_run(runs, table, "to_ods")
            age = _age_hours(last)
            health = "never loaded" if not last else "fresh"
            if age is not None and ds.freshness_hours and age > ds.freshness_hours:
                health = "stale"
            causes = [c for c in open_alerts.get(table, []) if c != "stale"]
            # Unfinished ingests are never rows: "loading" while someone works on them, "stuck" once
            # their holder died or stopped renewing the lease (the next `lake ingest` finishes them).
            unfinished = [r for r in mine if r.outcome in ("received", "validating")]
            stuck = [r for r in unfinished if lapsed(r, cutoff)]
            if unfinished and health in ("fresh", "never loaded"):
                health = "loading"
            if stuck:
                health = "stuck"
            if (mine and mine[-1].outcome == "quarantined") or causes or (
                    latest and latest["status"] in ("failed", "halted")):
                health = "failing"
            out.append({"table": table, "zone": z.name, "layer": "ods", "health": health, "last_load": last,
                        "age_hours": None if age is None else round(age, 2),
                        "rows": sum(r.rows_staged for r in loaded),
                        "quarantined_files": sum(r.outcome == "quarantined" for r in mine),
                        "open_quarantines": [{"ingest_id": r.ingest_id, "source_key": r.source_key,
                                              "outcome": r.outcome, "reason": r.reason,
                                              "quarantine_key": r.quarantine_key} for r in open_q],
                        "in_progress": len(unfinished) - len(stuck),
                        "stuck": [{"ingest_id": r.ingest_id, "source_key": r.source_key, "outcome": r.outcome,
                                   "since": r.renewed_at or r.started_at or r.arrived_at, "holder": r.lease_owner}
                                  for r in stuck],
                        "freshness_sla_hours": ds.freshness_hours,
                        "last_run_id": latest["run_id"] if latest else None,
                        "error": latest["error"] if latest and latest["status"] != "succeeded" else None,
                        "open_alerts": open_alerts.get(table, [])})
        for p in z.projections.values():
            latest, ok = _last_run(runs, p.table, "projection")
            health = "never loaded" if not ok else "fresh"
            if (latest and latest["status"] == "failed") or open_alerts.get(p.table):
                health = "failing"
            out.append({"table": p.table, "zone": z.name, "layer": "analytics", "health": health,
                        "last_load": ok["ended_at"] if ok else None,
                        "age_hours": _age_hours(ok["ended_at"]) if ok else None,
                        "rows": ok["rows_out"] if ok else 0, "quarantined_files": 0, "open_quarantines": [],
                        "in_progress": 0, "stuck": [],
                        "freshness_sla_hours": None, "last_run_id": latest["run_id"] if latest else None,
                        "error": latest["error"] if latest and latest["status"] != "succeeded" else None,
                        "open_alerts": open_alerts.get(p.table, [])})
    return out


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
