"""The loop: collect changes into batches, make each durable, only then acknowledge the slot.

The acknowledged position is always the end of a commit every change before which is in a
durable object. While a batch is buffered, commits move ``last_commit`` but not the slot; when
the batch is written, the slot moves to ``last_commit``. A batch cut inside a transaction
(``batch_rows``) leaves the slot before that transaction, so a crash resends all of it. A commit
with nothing buffered (another table's transaction, or one whose changes are already written)
is acknowledged at once, so the server can recycle WAL while our table is quiet.

A TRUNCATE empties the source table but names no rows. By default the stream writes what came
before it, acknowledges up to the transaction before it, reports it (stderr, the zone's
alerts, a ``halted`` run) and stops: the TRUNCATE and everything after it stay in the slot
until an operator decides. ``on_truncate="delete"`` is that decision: a delete, at the
TRUNCATE's lsn, for every key the lake holds (``truncate.py``), then streaming goes on.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from lake.cdc import envelope, writer
from lake.cdc.envelope import Changes, Commit, Truncate
from lake.config import Dataset
from lake.runtime import runlog
from lake.runtime.context import Context


class Reader(Protocol):
    def poll(self, timeout: float) -> dict[str, Any] | None: ...
    def ack(self, lsn: int, now: bool = True) -> None: ...
    def busy(self) -> AbstractContextManager[None]: ...  # while we write and ingest rather than read


@dataclass
class Options:
    batch_rows: int = 10_000
    batch_seconds: float = 5.0
    max_batches: int | None = None  # stop after this many batches (scripts, tests)
    until_idle: float | None = None  # stop once no change came for this long (and all is written)
    on_truncate: str = "stop"  # "stop" | "delete"
    poll_seconds: float = 0.5


@dataclass
class Outcome:
    batches: int = 0
    changes: int = 0
    keys: list[str] = field(default_factory=list)  # ingress keys written or found
    truncated: Truncate | None = None  # the TRUNCATE the stream stopped at


class Stream:
    def __init__(self, ctx: Context, ds: Dataset, reader: Reader, slot: str, table: tuple[str, str],
                 source: str, opts: Options, run_id: str):
        self.ctx, self.ds, self.reader, self.slot, self.table = ctx, ds, reader, slot, table
        self.source, self.opts, self.run_id = source, opts, run_id
        self.pending: list[dict[str, Any]] = []
        self.first_at = 0.0
        self.last_commit = 0
        self.stopping = False
        self.out = Outcome()

    def stop(self) -> None:
        """Finish cleanly: write and acknowledge what is buffered, then return (SIGINT/SIGTERM)."""
        self.stopping = True

    def run(self) -> Outcome:
        o = self.opts
        last_change = time.monotonic()
        while not self.stopping:
            wait = o.poll_seconds
            if self.pending:
                wait = max(0.0, min(wait, self.first_at + o.batch_seconds - time.monotonic()))
            msg = self.reader.poll(wait)
            now = time.monotonic()
            if msg is not None:
                event = envelope.decode(msg, self.table, self.ds.primary_key)
                if isinstance(event, Changes):
                    if not self.pending:
                        self.first_at = now
                    self.pending += event.lines
                    last_change = now
                elif isinstance(event, Commit):
                    self.last_commit = event.end_lsn
                    if not self.pending:
                        self.reader.ack(event.end_lsn, now=False)  # nothing of it is left unwritten
                elif isinstance(event, Truncate):
                    self.flush()
                    if not self.truncated(event):
                        return self.out
                    last_change = now
            if self.pending and (len(self.pending) >= o.batch_rows or now - self.first_at >= o.batch_seconds):
                self.flush()
                now = last_change = time.monotonic()  # idle counts from here: the ingest took time, not the source
            if o.max_batches is not None and self.out.batches >= o.max_batches:
                break
            if o.until_idle is not None and now - last_change >= o.until_idle:
                break  # what is buffered is written below
        self.flush()
        return self.out

    def flush(self) -> None:
        """Write the buffered changes durably, acknowledge, then ingest them."""
        if not self.pending:
            return
        lines, self.pending = self.pending, []
        key = writer.batch_key(self.ds.zone, self.ds.name, self.slot, lines[0]["lsn"], lines[-1]["lsn"])
        self.emit(key, lines, ack=self.last_commit)

    def emit(self, key: str, lines: list[dict[str, Any]], ack: int | None) -> None:
        """One batch: durable object, then the slot's acknowledgement, then the ingest; one run record."""
        run = runlog.TaskRun("cdc_batch", self.ds.zone, f"{self.ds.zone}_ods.{self.ds.name}", self.run_id,
                             inputs=[self.source], outputs=[f"s3://{self.ctx.buckets.ingress}/{key}"],
                             rows_in=len(lines))
        try:
            with self.reader.busy():
                wrote = writer.write_durably(self.ctx, key, writer.encode(lines))
                if ack:
                    self.reader.ack(ack)  # only now: the batch survives a crash from here on
                records = writer.ingest(self.ctx, key)
            staged = [r for r in records if r.outcome != "duplicate"]
            run.rows_out = sum(r.rows_staged for r in staged) if staged else None
            run.rows_quarantined = sum(r.rows_quarantined for r in staged) if staged else None
            if not wrote:
                run.status, run.error = "skipped", "already in ingress (resent after a restart)"
        except BaseException as err:
            run.status, run.error = "failed", str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
            runlog.record(self.ctx, run)
            raise
        runlog.record(self.ctx, run)
        self.out.batches += 1
        self.out.changes += len(lines)
        self.out.keys.append(key)

    def truncated(self, event: Truncate) -> bool:
        """Handle a TRUNCATE of the source table; False when the stream must stop here."""
        from lake.cdc import truncate

        if self.opts.on_truncate != "delete":
            self.out.truncated = event
            truncate.report(self.ctx, self.ds, event, self.slot, self.run_id)
            return False
        lines = truncate.deletes(self.ctx, self.ds, event)
        if lines:
            key = writer.batch_key(self.ds.zone, self.ds.name, self.slot, event.lsn, event.lsn, "truncate-")
            self.emit(key, lines, ack=None)  # the TRUNCATE's commit acknowledges it, as any commit
        truncate.resolved(self.ctx, self.ds, event, len(lines), self.run_id)
        return True
