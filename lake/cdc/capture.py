"""``lake cdc``: check the source, create the slot (with its snapshot) if asked, then stream.

One ``cdc`` run in ``platform.runs`` per invocation, one ``cdc_batch`` run per batch under it.
SIGINT and SIGTERM finish the batch in hand (written, acknowledged) and return.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from lake.cdc import snapshot
from lake.cdc.envelope import format_lsn
from lake.cdc.source import Slot, SourceError, Table, check
from lake.cdc.stream import Options, Outcome, Stream
from lake.runtime import runlog
from lake.runtime.context import Context


def source_label(dsn: str, table: Table, slot: str) -> str:
    """Where the changes come from, for run records: never the password."""
    from psycopg2.extensions import parse_dsn

    p = parse_dsn(dsn)
    where = f"{p.get('host', 'localhost')}:{p.get('port', 5432)}/{p.get('dbname', p.get('user', ''))}"
    return f"postgresql://{where}?table={table}&slot={slot}"


@contextmanager
def stopping_on_signals(stream: Stream) -> Iterator[None]:
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, lambda *_: stream.stop())
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def capture(ctx: Context, dsn: str, zone: str, dataset: str, slot_name: str, table: Table, create: bool,
            opts: Options) -> Outcome:
    """Stream the slot into ingress until a stop condition; raises SourceError on a source not set up."""
    if zone not in ctx.cfg.zones or dataset not in ctx.cfg.zones[zone].datasets:
        raise SourceError(f"no dataset {zone}/{dataset} in the insight zone config")
    ds = ctx.cfg.zones[zone].datasets[dataset]
    if not ds.options.cdc:
        raise SourceError(f"{zone}/{dataset} is not a CDC dataset (its contract has no customProperties cdc)")
    exists = check(dsn, table, ds.primary_key, slot_name, create)
    if exists:
        snapshot.check_complete(ctx, ds, slot_name)
    source = source_label(dsn, table, slot_name)
    with runlog.task_run(ctx, "cdc", zone=zone, table_name=f"{zone}_ods.{dataset}", inputs=[source]) as run:
        slot = Slot(dsn, slot_name, table)
        stream = Stream(ctx, ds, slot, slot_name, (table.schema, table.name), source, opts, run.run_id)
        try:
            with stopping_on_signals(stream):
                if not exists:
                    snapshot.create_and_take(stream, slot, dsn, table)
                slot.start()
                out = stream.run()
        finally:
            slot.close()  # after the last acknowledgement (stream.run flushes before returning)
        run.outputs = [f"s3://{ctx.buckets.ingress}/{k}" for k in out.keys]
        run.rows_in = run.rows_out = out.changes
        if out.truncated is not None:
            run.status = "halted"
            t = out.truncated
            run.error = f"TRUNCATE of {t.table} at lsn {format_lsn(t.lsn)}: operator decision needed"
    return out
