"""One health model: the state of every table, computed here and nowhere else.

``lake status``, ``lake describe``, ``lake catalog`` and the docs site (``lake docs``) all show a
``TableHealth``; none of them derives health on its own, so they cannot disagree.

Sources, all metadata (no table scan): the ingest ledger (loads, quarantines, unfinished ingests),
``platform.runs`` (last run), ``platform.open_alerts``, ``platform.quality_results`` and the table as
stored: rows and snapshot from the current Iceberg snapshot's summary (ODS, analytics) or the
staged files' Parquet footers (staging). "rows" is what the table holds now, never a sum of loads.
Locally the tables are read in the lake home; on AWS (``LAKE_BACKEND=aws``: S3 storage) in the Glue
Data Catalog and S3 (``lake.health_aws``), with the caller's boto3 session.

Health, one word: ``never loaded`` (nothing loaded / built yet), ``failing`` (the last run failed or
halted, the dataset's newest file was quarantined, an alert is open, or a quality rule failed its
last check), ``stuck`` (an ingest whose holder died or whose lease lapsed: the next ``lake ingest``
finishes it), ``loading`` (an ingest in progress), ``stale`` (the last load is older than the
contract's freshness SLA), else ``fresh``.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from lake.backends.ledger import IngestRecord, _ago, lapsed, open_quarantine
from lake.health_aws import TableUnreadable
from lake.home import LakeHome
from lake.ingest.lease import lease_seconds
from lake.query.grants import owner
from lake.runtime.context import Context

HEALTH = ("never loaded", "loading", "stuck", "stale", "failing", "fresh")
RUN_TASK = {"staging": "validator", "ods": "to_ods", "analytics": "projection"}


@dataclass(frozen=True)
class LastRun:
    run_id: str
    task: str
    status: str
    ended_at: str | None
    error: str | None


@dataclass(frozen=True)
class Quarantine:
    ingest_id: str
    source_key: str
    outcome: str  # quarantined (the whole file) or partial (bad rows)
    reason: str | None
    quarantine_key: str | None


@dataclass(frozen=True)
class Stuck:
    ingest_id: str
    source_key: str
    outcome: str
    since: str | None
    holder: str | None


@dataclass(frozen=True)
class TableHealth:
    table: str
    zone: str
    layer: str  # staging | ods | analytics
    owner: str  # the zone's owners
    health: str  # one of HEALTH
    rows: int | None  # rows in the table now; None when it was never written
    snapshot_id: int | None  # the current Iceberg snapshot (None for staging / never written)
    last_update: str | None  # when the table's data last changed (snapshot / newest staged file)
    last_load: str | None  # newest completed load (staging, ODS: the ledger) or successful build
    age_hours: float | None  # of last_load
    freshness_sla_hours: float | None
    freshness: str  # fresh | stale | no data | no SLA
    pending_rows: int  # staged rows that no promotion took to ODS yet (ODS only)
    quarantined_files: int
    open_quarantines: list[Quarantine] = field(default_factory=list)
    in_progress: int = 0
    stuck: list[Stuck] = field(default_factory=list)
    open_alerts: list[str] = field(default_factory=list)
    failed_rules: list[str] = field(default_factory=list)
    last_run: LastRun | None = None
    problem: str | None = None  # the table as stored cannot be read (TableUnreadable): what and where

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; ``last_run_id`` and ``error`` kept flat for scripts that read ``lake status --json``."""
        d = asdict(self)
        d["last_run_id"] = self.last_run.run_id if self.last_run else None
        d["error"] = self.last_run.error if self.last_run and self.last_run.status != "succeeded" else None
        return d


def _iso(ms: float | None) -> str | None:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds") if ms else None


class Tables(Protocol):
    """A lake's tables as stored: ``LocalTables`` (the lake home) or ``lake.health_aws.GlueTables``."""

    def metadata(self, table: str) -> dict[str, Any] | None: ...  # the current Iceberg metadata

    def staged(self, table: str) -> tuple[int, float] | None: ...  # (rows, newest mtime) of staged files


class LocalTables:
    """The tables of the lake home, as ``stored`` reads them (the AWS side: lake.health_aws.GlueTables)."""

    def __init__(self, home: LakeHome):
        self.home = home

    def metadata(self, table: str) -> dict[str, Any] | None:
        meta = self.home.table_location(table) / "metadata"
        hint = meta / "version-hint.text"
        if not hint.exists():
            return None
        return json.loads((meta / f"v{hint.read_text().strip()}.metadata.json").read_text())

    def staged(self, table: str) -> tuple[int, float] | None:
        """(rows, newest file's mtime in epoch seconds); None when nothing is staged."""
        import pyarrow.parquet as pq

        zone, _, name = owner(table)
        files = list((self.home.staging / zone / name).rglob("*.parquet"))
        if not files:
            return None
        return sum(pq.read_metadata(f).num_rows for f in files), max(f.stat().st_mtime for f in files)


_GLUE: weakref.WeakKeyDictionary[Any, Tables] = weakref.WeakKeyDictionary()


def tables_of(ctx: Context, session: Any | None = None) -> Tables:
    """Where ``ctx``'s tables are stored: the lake home, or on AWS (S3 storage) the Glue Data Catalog and
    S3, read with ``session`` (default: the caller's default boto3 session)."""
    from lake.backends.storage import S3Storage

    if isinstance(ctx.storage, S3Storage):
        from lake.health_aws import GlueTables

        if session is not None:
            return GlueTables(session)
        if ctx.storage not in _GLUE:  # one set of clients per context, not one per table described
            _GLUE[ctx.storage] = GlueTables()
        return _GLUE[ctx.storage]
    return LocalTables(ctx.home)


def _tables(where: LakeHome | Tables) -> Tables:
    return LocalTables(where) if isinstance(where, LakeHome) else where


def iceberg_metadata(where: LakeHome | Tables, table: str) -> dict[str, Any] | None:
    return _tables(where).metadata(table)


def stored(where: LakeHome | Tables, table: str) -> tuple[int | None, int | None, str | None]:
    """(rows now, snapshot id, last update) of a table as stored; all None when never written.

    Iceberg: the current snapshot's summary. Spark writes copy-on-write or position deletes (one
    deleted row each), never equality deletes, so ``total-records - total-position-deletes`` is exact."""
    tables = _tables(where)
    if owner(table)[1] == "staging":
        found = tables.staged(table)
        return (None, None, None) if found is None else (found[0], None, _iso(found[1] * 1000))
    md = tables.metadata(table)
    if md is None:
        return None, None, None
    current = md.get("current-snapshot-id")
    snap = next((s for s in md.get("snapshots", []) if s["snapshot-id"] == current), None)
    if snap is None:  # created, never written
        return 0, None, _iso(md.get("last-updated-ms"))
    summary = snap.get("summary", {})
    rows = int(summary.get("total-records", 0)) - int(summary.get("total-position-deletes", 0))
    return rows, current, _iso(snap["timestamp-ms"])


def stored_or_problem(where: LakeHome | Tables, table: str) -> tuple[int | None, int | None, str | None, str | None]:
    """``stored`` and None, or, for a table that cannot be read (``TableUnreadable``), Nones and what is
    wrong: one broken table is that table's problem, the other tables still show."""
    try:
        return (*stored(where, table), None)
    except TableUnreadable as err:
        return None, None, None, str(err)


def age_hours(at: str | None, now: datetime | None = None) -> float | None:
    if not at:
        return None
    return round(((now or datetime.now(UTC)) - datetime.fromisoformat(at)).total_seconds() / 3600, 2)


def freshness(sla_hours: float | None, age: float | None) -> str:
    if sla_hours is None:
        return "no SLA"
    if age is None:
        return "no data"
    return "fresh" if age <= sla_hours else "stale"


def open_quarantines(mine: list[IngestRecord]) -> list[IngestRecord]:
    """The dataset's quarantines not yet resolved (ledger order): a quarantined file until it is replayed
    or acknowledged, whatever loaded after it; a partly staged file until a clean load or acknowledgement."""
    clean = max((i for i, r in enumerate(mine) if r.outcome == "staged"), default=-1)
    return [r for i, r in enumerate(mine) if open_quarantine(r) or (
        i > clean and r.outcome == "partial" and r.acknowledged_at is None)]


class _Sources:
    """The platform records, read once for every table of one answer."""

    def __init__(self, ctx: Context, zone: str | None):
        self.ctx = ctx
        self.ledger = ctx.ledger.records(zone)
        self.runs = ctx.records.rows("runs", zone)
        self.alerts: dict[str, list[str]] = {}
        for a in ctx.records.rows("open_alerts"):
            self.alerts.setdefault(a["table_name"], []).append(a["cause"])
        self.quality: dict[tuple[str, str], dict[str, Any]] = {}
        for q in sorted(ctx.records.rows("quality_results", zone), key=lambda q: q["checked_at"] or ""):
            self.quality[(q["table_name"], q["rule"])] = q  # the newest check of each rule wins
        self.cutoff = _ago(lease_seconds())
        self.tables = tables_of(ctx)

    def last_run(self, table: str, task: str) -> tuple[dict | None, dict | None]:
        """The table's latest run of ``task`` (skipped no-ops aside) and its latest successful one."""
        mine = sorted((r for r in self.runs if r["table_name"] == table and r["task"] == task
                       and r["status"] != "skipped"), key=lambda r: r["ended_at"] or "")
        ok = [r for r in mine if r["status"] == "succeeded"]
        return (mine[-1] if mine else None), (ok[-1] if ok else None)

    def failed_rules(self, table: str) -> list[str]:
        return sorted(rule for (t, rule), q in self.quality.items() if t == table and not q["passed"])


def _health(ctx: Context, src: _Sources, table: str) -> TableHealth:
    zone, layer, name = owner(table)
    z = ctx.cfg.zones[zone]
    rows, snapshot, updated, problem = stored_or_problem(src.tables, table)
    latest, ok = src.last_run(table, RUN_TASK[layer])
    alerts = src.alerts.get(table, [])
    ds = z.datasets.get(name) if layer != "analytics" else None
    rules = {r.name for r in ds.quality} if ds is not None else set()
    failed = [r for r in src.failed_rules(table) if r in rules]  # a rule since removed from the contract is gone
    base: dict[str, Any] = {"table": table, "zone": zone, "layer": layer, "rows": rows, "snapshot_id": snapshot,
            "owner": ", ".join(o.email for o in z.spec.owners), "last_update": updated, "open_alerts": alerts,
            "failed_rules": failed, "last_run": LastRun(latest["run_id"], latest["task"], latest["status"],
                                                        latest["ended_at"], latest["error"]) if latest else None,
            "problem": problem}
    run_failed = bool(latest and latest["status"] in ("failed", "halted")) or problem is not None
    if layer == "analytics":
        last = ok["ended_at"] if ok else None
        health = "failing" if run_failed or alerts or failed else "fresh" if ok else "never loaded"
        return TableHealth(**base, health=health, last_load=last, age_hours=age_hours(last), freshness_sla_hours=None,
                           freshness="no SLA", pending_rows=0, quarantined_files=0)
    if ds is None:
        raise KeyError(table)
    # ledger order is claim order (same-second arrivals included)
    mine = [r for r in src.ledger if r.zone == zone and r.dataset == name and r.outcome != "duplicate"]
    loaded = [r for r in mine if r.outcome in ("staged", "partial")]
    last = max((r.completed_at for r in loaded if r.completed_at), default=None)
    age = age_hours(last)
    fresh = freshness(ds.freshness_hours, age)
    # Unfinished ingests are never rows: "loading" while someone works on them, "stuck" once their
    # holder died or stopped renewing the lease (the next `lake ingest` finishes them).
    unfinished = [r for r in mine if r.outcome in ("received", "validating")]
    stuck = [r for r in unfinished if lapsed(r, src.cutoff)]
    health = "never loaded" if not last else "stale" if fresh == "stale" else "fresh"
    if unfinished and health in ("fresh", "never loaded"):
        health = "loading"
    if stuck:
        health = "stuck"
    alerting = any(c != "stale" for c in alerts)  # staleness is already the "stale" word
    if any(open_quarantine(r) for r in mine) or alerting or run_failed or failed:
        health = "failing"
    return TableHealth(
        **base, health=health, last_load=last, age_hours=age, freshness_sla_hours=ds.freshness_hours,
        freshness=fresh, quarantined_files=sum(r.outcome == "quarantined" for r in mine),
        pending_rows=sum(r.rows_staged for r in loaded if not r.promoted_at) if layer == "ods" else 0,
        open_quarantines=[Quarantine(r.ingest_id, r.source_key, r.outcome, r.reason, r.quarantine_key)
                          for r in open_quarantines(mine)],
        in_progress=len(unfinished) - len(stuck),
        stuck=[Stuck(r.ingest_id, r.source_key, r.outcome, r.renewed_at or r.started_at or r.arrived_at,
                     r.lease_owner) for r in stuck])


def health(ctx: Context, tables: list[str] | None = None, zone: str | None = None) -> list[TableHealth]:
    """The health of ``tables`` (default: every table of ``zone``, or of the lake), in that order."""
    if tables is None:
        tables = sorted(t for t, z in ctx.cfg.all_tables().items() if zone is None or z.name == zone)
    src = _Sources(ctx, zone if zone and all(owner(t)[0] == zone for t in tables) else None)
    return [_health(ctx, src, t) for t in tables]


def table_health(ctx: Context, table: str) -> TableHealth:
    if table not in ctx.cfg.all_tables():
        raise KeyError(table)
    return health(ctx, [table])[0]
