"""The rows a new slot starts from: every existing row, as ``op: r`` changes.

A slot streams only transactions that commit after it was created; the rest is in the snapshot
it exports, which we read before streaming. Their lsn is the slot's ``restart_lsn - 1``: lower
than every change the slot will stream (those transactions all began after that position, since
creating a slot waits for older ones to finish), so any streamed change of a row wins; higher
than every change an earlier slot streamed, so re-creating a slot refreshes rows it had left
stale. (Rows deleted while no slot existed stay in ODS: a snapshot names rows, not absences.)

A crash in the middle leaves a slot whose snapshot is incomplete, which streaming could not
repair; a marker object beside the batches (``.snapshot.json``: started, then complete) lets
the next run say so instead of carrying on with rows missing.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from lake.backends.storage import NotFound
from lake.cdc import writer
from lake.cdc.envelope import line, parse_lsn
from lake.cdc.source import Slot, SourceError, Table, snapshot_rows
from lake.config import Dataset
from lake.runtime.context import Context

if TYPE_CHECKING:
    from lake.cdc.stream import Stream


def _marker(ds: Dataset, slot: str) -> str:
    return writer.marker_key(ds.zone, ds.name, slot, "snapshot")


def state(ctx: Context, ds: Dataset, slot: str) -> dict | None:
    try:
        with ctx.storage.open(ctx.buckets.ingress, _marker(ds, slot)) as f:
            return json.loads(f.read())
    except NotFound:
        return None


def check_complete(ctx: Context, ds: Dataset, slot: str) -> None:
    found = state(ctx, ds, slot)
    if found is not None and found.get("state") != "complete":
        raise SourceError(f"the initial snapshot of slot '{slot}' did not finish (a crash?), so rows that existed "
                          f"before it would be missing: drop the slot (SELECT pg_drop_replication_slot('{slot}')) "
                          "and run lake cdc --create-slot again")


def _mark(ctx: Context, ds: Dataset, name: str, **fields: object) -> None:
    writer.write_durably(ctx, _marker(ds, name), json.dumps(fields, sort_keys=True).encode(), replace=True)


def create_and_take(stream: Stream, slot: Slot, dsn: str, table: Table) -> int:
    """Create the slot and write every row its snapshot shows; the number of rows."""
    ds, name = stream.ds, slot.name
    _mark(stream.ctx, ds, name, slot=name, state="started")  # before the slot: a crash leaves "started"
    consistent_point, exported = slot.create()
    ts = int(time.time() * 1000)
    lsn, rows, part, batch = None, 0, 0, []
    for row in snapshot_rows(dsn, exported, table):
        if lsn is None:
            lsn = _restart_lsn(dsn, name) - 1
        batch.append(line("r", lsn, ts, None, row))
        if len(batch) >= stream.opts.batch_rows:
            part, rows = part + 1, rows + len(batch)
            stream.emit(writer.batch_key(ds.zone, ds.name, name, consistent_point, part, "snapshot-"), batch, ack=None)
            batch = []
    if batch:
        part, rows = part + 1, rows + len(batch)
        stream.emit(writer.batch_key(ds.zone, ds.name, name, consistent_point, part, "snapshot-"), batch, ack=None)
    _mark(stream.ctx, ds, name, slot=name, state="complete", rows=rows, files=part,
          consistent_point=f"{consistent_point:X}")
    return rows


def _restart_lsn(dsn: str, slot: str) -> int:
    from contextlib import closing

    import psycopg2

    with closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = %s", (slot,))
        return parse_lsn(cur.fetchone()[0])
