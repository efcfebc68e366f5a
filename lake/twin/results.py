"""What a run of the lake produced, read the same way from the twin and from a local lake home, so
the two can be compared: table rows, quarantine reports, ledger states, ``platform.runs`` per task,
and who was alerted about what. Values that are random per run (ingest and run ids, times, PII
hashes under each lake's own key) are normalised away; everything else must be equal."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lake.config import LakeConfig

_ID = re.compile(r"\d{8}T\d{6}-[0-9a-f]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?)?")
# Lineage and bookkeeping columns whose values are per run; hashed PII depends on each lake's key.
VOLATILE_COLUMNS = {"_ingest_id", "_promoted_at", "_ingested_at", "_source_file", "_run_id", "_staged_at"}


def normalise(text: str) -> str:
    return _DATE.sub("<time>", _ID.sub("<ingest>", text))


@dataclass
class Results:
    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # table -> sorted rows
    quarantine_reports: dict[str, Any] = field(default_factory=dict)  # zone/dataset/file -> report
    ledger: dict[str, tuple[str, int, int, bool]] = field(default_factory=dict)  # source -> state
    runs: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # (task, zone, table, status)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (recipient, subject)
    queries: dict[str, Any] = field(default_factory=dict)  # "zone: sql" -> rows, or the error's kind
    platform_runs: dict[str, Any] = field(default_factory=dict)  # "zone: sql" -> platform.runs as that zone
    rows_now: dict[str, int | None] = field(default_factory=dict)  # table -> "rows" as lake status reads it


# The demo's queries, and the isolation check it makes: the same answers (or the same refusal).
ISOLATION = ("executive", "SELECT * FROM finance_ods.expenses")


def answer(engine_for: Any, zone: str, sql: str) -> Any:
    """Rows of ``sql`` as ``zone``, or why it was refused ("access denied" / "error")."""
    from lake.query.grants import AccessDenied

    try:
        return sorted(map(tuple, engine_for(zone).execute(sql).fetchall()), key=repr)
    except AccessDenied:
        return "access denied"
    except Exception as err:  # a missing table or column: the answer is the failure
        return f"error: {type(err).__name__}"


def queries(engine_for: Any) -> dict[str, Any]:
    from lake.demo.run import QUERIES

    return {f"{zone}: {sql}": answer(engine_for, zone, sql) for zone, _, sql in [*QUERIES, (*ISOLATION[:1], "",
                                                                                             ISOLATION[1])]}


# platform.runs as each zone's readers query it: which runs, and whose rows.
PLATFORM_RUNS = ("SELECT task, table_name, status FROM platform.runs", "SELECT DISTINCT zone FROM platform.runs")


def platform_runs(engine_for: Any, zones: list[str]) -> dict[str, Any]:
    """The same normalisation as the runs' comparison: each distinct run once, runs that found nothing
    to do ("skipped") left out (on AWS every staged object starts a promotion)."""
    out = {}
    for zone in zones:
        for sql in PLATFORM_RUNS:
            got = answer(engine_for, zone, sql)
            out[f"{zone}: {sql}"] = sorted(set(got) - {r for r in got if "skipped" in r}) if isinstance(
                got, list) else got
    return out


def table_names(cfg: LakeConfig) -> list[str]:
    out = []
    for zone in cfg.zones.values():
        out += [f"{zone.name}_ods.{d}" for d in zone.datasets]
        out += [f"{zone.name}_analytics.{p}" for p in zone.projections]
    return sorted(out)


def hashed_columns(cfg: LakeConfig, table: str) -> set[str]:
    namespace, name = table.split(".")
    zone = namespace.rpartition("_")[0]
    ds = cfg.zones[zone].datasets.get(name)
    if ds is not None:
        return {c.name for c in ds.columns if c.pii}
    return {c.name for z in cfg.zones.values() for d in z.datasets.values() for c in d.columns if c.pii}


def read_iceberg(con: Any, folder: Path, moved: bool) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    if not (folder / "metadata").exists():
        return None
    option = ", allow_moved_paths = true" if moved else ""
    rel = con.sql(f"SELECT * FROM iceberg_scan('{folder}'{option})")
    return list(rel.columns), rel.fetchall()


def rows_of(cfg: LakeConfig, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    drop = VOLATILE_COLUMNS | hashed_columns(cfg, table)
    keep = [i for i, c in enumerate(columns) if c not in drop]
    return sorted((tuple(r[i] for i in keep) for r in rows), key=repr)


def report_key(key: str) -> str:
    """``_quarantine/<zone>/<dataset>/ingest_date=../<ingest id>/<file>.report.json`` -> zone/dataset/file."""
    parts = key.split("/")
    return "/".join([parts[1], parts[2], parts[-1]]) if len(parts) >= 4 else key


def normalised_report(body: bytes) -> Any:
    """The report without what names the storage (bucket name, S3 version id vs. local hash)."""
    report = json.loads(normalise(body.decode("utf-8", "replace")))
    if isinstance(report.get("source"), dict):
        report["source"] = {k: v for k, v in report["source"].items() if k not in ("bucket", "version")}
    return report


def ledger_state(rec: Any) -> tuple[str, int, int, bool]:
    return (rec.outcome or "", int(rec.rows_staged or 0), int(rec.rows_quarantined or 0), bool(rec.promoted_at))


def run_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (str(row.get("task")), str(row.get("zone")), str(row.get("table_name")), str(row.get("status")))


def alert_pairs(alerts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((r, normalise(str(a.get("subject")))) for a in alerts for r in a.get("recipients", []))
