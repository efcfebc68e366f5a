"""The stream's promise, with a scripted slot (no server): acknowledge only what is durably written."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from lake.cdc.stream import Options, Stream
from lake.runtime import runlog
from lake.runtime.context import Context

TABLE = ("public", "applications")


def change(action: str, lsn: int, app_id: int, stage: str = "applied", table: str = "applications") -> dict:
    cols = [{"name": "application_id", "type": "bigint", "value": app_id},
            {"name": "candidate_email", "type": "text", "value": f"c{app_id}@example.org"},
            {"name": "stage", "type": "text", "value": stage},
            {"name": "updated_at", "type": "timestamp with time zone", "value": "2026-11-01 09:00:00+00"}]
    msg = {"action": action, "lsn": f"0/{lsn:X}", "schema": "public", "table": table}
    return msg | ({"identity": cols} if action == "D" else {"columns": cols})


def commit(end: int) -> dict:
    return {"action": "C", "lsn": f"0/{end - 8:X}", "nextlsn": f"0/{end:X}"}


SCRIPT = [{"action": "B"}, change("I", 0x10, 1), change("I", 0x20, 2), commit(0x100),
          {"action": "B"}, change("I", 0x110, 3), change("U", 0x120, 1, "screen"), change("D", 0x130, 2), commit(0x200),
          {"action": "B"}, change("I", 0x210, 9, table="other"), commit(0x300)]


class Crash(Exception):
    pass


class Scripted:
    """A slot that hands out the script, then nothing; checks every ack against ingress."""

    def __init__(self, ctx: Context, messages: list[dict], crash_on_ack: bool = False):
        self.ctx, self.messages, self.crash = ctx, list(messages), crash_on_ack
        self.acks: list[tuple[int, bool]] = []

    def poll(self, timeout: float) -> dict[str, Any] | None:
        return self.messages.pop(0) if self.messages else None

    def busy(self) -> AbstractContextManager[None]:
        return nullcontext()

    def ack(self, lsn: int, now: bool = True) -> None:
        if now and self.crash:
            raise Crash("killed after the write, before the acknowledgement")
        self.acks.append((lsn, now))


def stream(ctx: Context, reader: Scripted, **opts: Any) -> Stream:
    ds = ctx.cfg.zones["customer_success"].datasets["applications"]
    options = Options(**({"until_idle": 0.2, "poll_seconds": 0.01} | opts))
    return Stream(ctx, ds, reader, "s1", TABLE, "postgresql://test", options, "run-test")


@pytest.fixture
def ctx(tmp_path: Path, zones_copy: Path) -> Context:
    return Context.local(tmp_path / "home", zones_copy)


def batches(ctx: Context) -> list[str]:
    return sorted(p.name for p in (ctx.home.ingress / "customer_success/applications/cdc/s1").glob("*.jsonl"))


def test_a_batch_cut_inside_a_transaction_acknowledges_only_the_commit_before_it(ctx: Context) -> None:
    reader = Scripted(ctx, SCRIPT)
    out = stream(ctx, reader, batch_rows=3).run()
    # Batch 1 ends inside the second transaction: the slot may move to the first commit only.
    # Batch 2 (the rest, written once the source is idle) covers every commit seen by then.
    assert reader.acks == [(0x100, True), (0x300, True)]
    assert out.batches == 2 and out.changes == 5
    assert batches(ctx) == ["0000000000000010-0000000000000110.jsonl", "0000000000000120-0000000000000130.jsonl"]
    staged = [r for r in ctx.ledger.records() if r.outcome == "staged"]
    assert sum(r.rows_staged for r in staged) == 5
    assert [r["task"] for r in runlog.runs(ctx) if r["task"].startswith("cdc")] == ["cdc_batch", "cdc_batch"]


def test_a_crash_after_the_write_resends_the_batch_harmlessly(ctx: Context) -> None:
    with pytest.raises(Crash):
        stream(ctx, Scripted(ctx, SCRIPT, crash_on_ack=True)).run()
    assert batches(ctx) == ["0000000000000010-0000000000000130.jsonl"]  # durable, though never acknowledged

    # The restart: the server resends from the last acknowledged position, i.e. everything.
    reader = Scripted(ctx, SCRIPT)
    out = stream(ctx, reader).run()
    assert reader.acks == [(0x300, True)]
    assert batches(ctx) == ["0000000000000010-0000000000000130.jsonl"]  # same key, not written twice
    ingests = [r for r in ctx.ledger.records() if r.outcome != "duplicate"]
    assert [(r.outcome, r.rows_staged) for r in ingests] == [("staged", 5)]  # ingested once, on the restart
    assert runlog.runs(ctx)[-1]["status"] == "skipped" and out.batches == 1
