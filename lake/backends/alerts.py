"""Alerts to a zone's owners and stewards: SNS on AWS; locally ``alerts.jsonl`` and stderr."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lake.backends.ledger import now

log = logging.getLogger("lake")


@dataclass
class Alert:
    zone: str
    severity: str  # "error" | "warning" | "info"
    subject: str  # one line: what failed, where
    detail: str = ""  # what to do next
    context: dict[str, Any] = field(default_factory=dict)  # run id, file, row, rule, ...
    recipients: list[str] = field(default_factory=list)
    at: str = field(default_factory=now)


class Alerts(Protocol):
    def send(self, alert: Alert) -> None: ...


class LocalAlerts:
    def __init__(self, path: Path, echo: bool = True):
        self.path, self.echo = path, echo

    def send(self, alert: Alert) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(alert), default=str) + "\n")
        if self.echo:
            print(f"ALERT [{alert.zone}] {alert.subject}", file=sys.stderr)

    def read(self) -> list[Alert]:
        if not self.path.exists():
            return []
        return [Alert(**json.loads(line)) for line in self.path.read_text().splitlines() if line]


# --- routing: who hears about a failure, once ------------------------------------------------


def downstream(cfg: Any, table: str) -> list[str]:
    """Every projection reading ``table``, directly or through other projections (any zone)."""
    projections = [p for z in cfg.zones.values() for p in z.projections.values()]
    found: list[str] = []
    frontier = {table}
    while frontier:
        nxt = {p.table for p in projections if p.reads & frontier and p.table not in found}
        found += sorted(nxt)
        frontier = nxt
    return found


def audience(cfg: Any, owner: str, table: str | None) -> dict[str, str]:
    """zone -> why it hears: the owner; the owners of broken downstream projections; the subscribers
    of the table and of everything downstream of it."""
    out = {owner: "owner"}
    if not table:
        return out
    below = downstream(cfg, table)
    for t in below:
        out.setdefault(t.split("_analytics.")[0], f"owns {t}, downstream of {table}")
    for z in cfg.zones.values():
        hits = [t for t in [table, *below] if t in z.spec.subscribe]
        if hits:
            out.setdefault(z.name, f"subscribes to {hits[0]}" + (f", downstream of {table}" if hits[0] != table
                                                                      else ""))
    return out


def _people(cfg: Any, zone: str) -> list[str]:
    z = cfg.zones.get(zone)
    return sorted({p.email for p in (z.spec.owners + z.spec.stewards)}) if z else []


def _infer(ctx: Any, severity: str, context: dict[str, Any]) -> tuple[str | None, str | None]:
    """Table and cause of an alert; ingest alerts name only their ingest, so look it up."""
    table, cause = context.get("table"), context.get("cause")
    if not table and context.get("ingest_id"):
        rec = ctx.ledger.get(str(context["ingest_id"]))
        if rec is not None and rec.zone and rec.dataset:
            table = f"{rec.zone}_ods.{rec.dataset}"
            cause = cause or ("file quarantined" if severity == "error" else "rows quarantined")
    return table, cause


def _publish(ctx: Any, alert: Alert) -> bool:
    """Send one alert; a failed publish is logged, not raised: the task that raised it goes on, and
    the alert is not recorded as told, so the next time it is raised it is published again."""
    try:
        ctx.alerts.send(alert)
    except Exception as err:  # noqa: BLE001 - SNS throttled or down, topic gone, a broken log file
        log.warning("alert to zone %s not published (%s: %s): it is sent again when next raised", alert.zone,
                    type(err).__name__, err)
        print(f"ALERT for {alert.zone} not published: {err}", file=sys.stderr)
        return False
    _webhook(ctx.cfg, alert)
    return True


def _open(ctx: Any, table: str, cause: str) -> dict[str, Any] | None:
    return next((r for r in ctx.records.rows("open_alerts") if r["table_name"] == table and r["cause"] == cause),
                None)


def route(ctx: Any, zone: str, severity: str, subject: str, detail: str = "", **context: Any) -> list[Alert]:
    """Alert the owning zone and everyone downstream, once per table and cause until it recovers.

    A zone counts as told (``platform.open_alerts.zones``) only once its alert was published: a zone
    whose publish failed hears of it the next time the same failure is raised."""
    table, cause = _infer(ctx, severity, context)
    zones = audience(ctx.cfg, zone, table)
    row = _open(ctx, table, cause) if table and cause else None
    told = set(json.loads(row["zones"])) if row else set()
    if table and cause:
        context = {**context, "table": table, "cause": cause}
    sent = []
    for z, why in zones.items():
        if z in told:
            continue  # already told; silent until it recovers
        extra = {} if why == "owner" else {"upstream_zone": zone, "why": why}
        alert = Alert(z, severity, subject if why == "owner" else f"upstream of you: {subject}", detail,
                      {**context, **extra}, _people(ctx.cfg, z))
        if _publish(ctx, alert):
            sent.append(alert)
    if table and cause and sent:
        if row:
            ctx.records.delete("open_alerts", table_name=table, cause=cause)
        ctx.records.add("open_alerts", table_name=table, cause=cause, zone=zone,
                        opened_at=row["opened_at"] if row else now(),
                        run_id=row["run_id"] if row else context.get("run_id"),
                        subject=row["subject"] if row else subject, zones=sorted(told | {a.zone for a in sent}))
    return sent


def tell(ctx: Any, zone: str, severity: str, subject: str, detail: str = "", **context: Any) -> Alert:
    """One alert to the zone's owners and stewards only, never de-duplicated: for messages about one
    ingest that each need an answer (an ingest waiting for approval, a rejected ingest)."""
    alert = Alert(zone, severity, subject, detail, context, _people(ctx.cfg, zone))
    ctx.alerts.send(alert)
    _webhook(ctx.cfg, alert)
    return alert


def recover(ctx: Any, table: str, causes: list[str] | None = None, run_id: str | None = None) -> list[Alert]:
    """Close the open alerts on ``table`` (those ``causes`` only, if given): one recovery message to each
    zone told. An alert stays open for the zones whose recovery could not be published (retried next time)."""
    sent = []
    for row in ctx.records.rows("open_alerts"):
        if row["table_name"] != table or (causes is not None and row["cause"] not in causes):
            continue
        unsent = []
        for z in json.loads(row["zones"]):
            alert = Alert(z, "info", f"recovered: {table} ({row['cause']})",
                          f"Was: {row['subject']}. Nothing more to do.",
                          {"table": table, "cause": row["cause"], "run_id": run_id,
                           "failed_run_id": row["run_id"], "recovery": True}, _people(ctx.cfg, z))
            if _publish(ctx, alert):
                sent.append(alert)
            else:
                unsent.append(z)
        ctx.records.delete("open_alerts", table_name=table, cause=row["cause"])
        if unsent:
            ctx.records.add("open_alerts", **{**row, "zones": unsent})
    return sent


def slack_payload(alert: Alert) -> dict[str, Any]:
    """Slack-compatible incoming-webhook JSON: ``text`` for any client, ``blocks`` for the layout."""
    icon = {"error": ":red_circle:", "warning": ":warning:", "info": ":white_check_mark:"}.get(alert.severity, "")
    facts = ", ".join(f"{k}: {v}" for k, v in alert.context.items() if v not in (None, "", []))
    text = f"{icon} [{alert.zone}] {alert.subject}".strip()
    section = {"type": "mrkdwn", "text": f"*{text}*\n{alert.detail}"}
    blocks: list[dict[str, Any]] = [{"type": "section", "text": section}]
    if facts:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": facts}]})
    return {"text": f"{text}\n{alert.detail}\n{facts}".strip(), "blocks": blocks}


def _webhook(cfg: Any, alert: Alert) -> None:
    z = cfg.zones.get(alert.zone)
    url = z.spec.alerts.webhook if z else None
    if not url:
        return
    import urllib.request

    req = urllib.request.Request(url, json.dumps(slack_payload(alert)).encode(),
                                 {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5):  # noqa: S310 - the zone's own configured URL
            pass
    except OSError as err:  # a dead webhook must not fail the pipeline; the log and topic still have it
        print(f"ALERT webhook for {alert.zone} failed: {err}", file=sys.stderr)
