"""A TRUNCATE of the source table: reported, and turned into deletes only when an operator says so.

WAL records a TRUNCATE as one event without rows, so nothing in the stream says which rows went.
Guessing silently either way is wrong (ignore it: ODS keeps rows the source no longer has;
delete everything: a TRUNCATE followed by a reload looks like a mass delete), so by default the
stream stops in front of it and says so. ``--on-truncate delete`` then writes a delete for
every key the lake holds for the dataset (ODS and staging, which includes what is staged but
not promoted yet), all at the TRUNCATE's lsn: every change before it is older, every change
after it (the reload) is newer, so promotion ends with exactly the rows inserted afterwards.
"""

from __future__ import annotations

import sys
from typing import Any

from lake.backends.alerts import recover
from lake.cdc.envelope import Truncate, format_lsn, line
from lake.config import Dataset
from lake.runtime import runlog
from lake.runtime.context import Context

CAUSE = "source table truncated"


def _table(ds: Dataset) -> str:
    return f"{ds.zone}_ods.{ds.name}"


def report(ctx: Context, ds: Dataset, event: Truncate, slot: str, run_id: str) -> None:
    subject = f"TRUNCATE of {event.table} at lsn {format_lsn(event.lsn)}: CDC of {_table(ds)} stopped before it"
    detail = (f"The source table was emptied; WAL does not say which rows went. Nothing after the TRUNCATE was "
              f"acknowledged: slot '{slot}' still holds it. Decide, then rerun lake cdc: with --on-truncate delete "
              f"every key the lake holds for {ds.zone}/{ds.name} is deleted at the TRUNCATE and the stream goes on.")
    print(f"lake cdc: {subject}\n  {detail}", file=sys.stderr)
    ctx.alert_zone(ds.zone, "error", subject, detail, table=_table(ds), cause=CAUSE, run_id=run_id,
                   lsn=event.lsn, slot=slot)


def known_keys(ctx: Context, ds: Dataset) -> list[dict[str, Any]]:
    """Every primary key the lake holds for the dataset: ODS rows and every staged change."""
    from lake.query import QueryEngine

    keys = ds.primary_key
    hashed = [c.name for c in ds.columns if c.primary_key and c.pii]
    if hashed:
        raise ValueError(f"primary key column(s) {hashed} are PII-treated in ODS: the keys cannot be listed "
                         "to delete them; drop and rebuild the table instead")
    cols = ", ".join(f'"{k}"' for k in keys)
    sql = (f"SELECT {cols} FROM {ds.zone}_ods.{ds.name} UNION "
           f"SELECT {cols} FROM {ds.zone}_staging.{ds.name}")
    return QueryEngine(ctx.cfg, ctx.home, ds.zone).arrow(sql).to_pylist()


def deletes(ctx: Context, ds: Dataset, event: Truncate) -> list[dict[str, Any]]:
    return [line("d", event.lsn, event.ts_ms, {k: row[k] for k in ds.primary_key}, None)
            for row in known_keys(ctx, ds)]


def resolved(ctx: Context, ds: Dataset, event: Truncate, n: int, run_id: str) -> None:
    """Record the operator's decision, and close the TRUNCATE alert."""
    print(f"lake cdc: TRUNCATE of {event.table} at lsn {format_lsn(event.lsn)}: {n} delete(s) written "
          f"(--on-truncate delete)", file=sys.stderr)
    runlog.record(ctx, runlog.TaskRun("cdc_truncate", ds.zone, _table(ds), run_id, rows_out=n,
                                      inputs=[f"TRUNCATE {event.table} at lsn {format_lsn(event.lsn)}"]))
    recover(ctx, _table(ds), [CAUSE], run_id)
