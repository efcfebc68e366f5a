"""kill -9 and SIGTERM during `lake ingest`: the next `lake ingest` finishes everything at once,
without waiting for a lease to expire, and `lake status` meanwhile says "stuck", not "fresh"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lake.backends.ledger import TERMINAL
from lake.local.ingest import sweep
from lake.status import status
from tests.ingest.conftest import expenses, good_rows

ROOT = Path(__file__).resolve().parents[2]
# `lake ingest` whose validation hangs on its first file, so the test can kill it mid-validation.
HANGING_INGEST = """
import pathlib, sys, time
from lake.ingest import validator
def hang(*args, **kwargs):
    pathlib.Path(sys.argv[2]).write_text("validating")
    time.sleep(120)
validator.convert = hang
from lake.cli import main
sys.exit(main(["ingest", "--home", sys.argv[1]]))
"""


def _lake(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POWERTOOLS_LOG_LEVEL": "CRITICAL"}
    return subprocess.run([sys.executable, "-m", "lake.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _start_hanging_ingest(ctx, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    for i in range(4):
        path = ctx.home.ingress / "finance" / "expenses" / f"f{i}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expenses(*good_rows(3, start=10 * i)))
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POWERTOOLS_LOG_LEVEL": "CRITICAL"}
    proc = subprocess.Popen([sys.executable, "-c", HANGING_INGEST, str(ctx.home.root), str(marker)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the ingest never reached validation"
        time.sleep(0.1)
    return proc, marker


def _finishes_everything(ctx) -> None:
    out = sweep(ctx)
    recs = ctx.ledger.records()
    assert len(recs) == 4 and {r.outcome for r in recs} == {"staged"}, [(r.outcome, r.reason) for r in recs]
    assert {r.ingest_id for r in out} == {r.ingest_id for r in recs}
    assert all(r.outcome in TERMINAL for r in recs)
    assert sum(r.rows_staged for r in recs) == 12  # each file staged once


def test_kill_9_during_lake_ingest_then_lake_ingest_finishes_everything(ctx, tmp_path):
    proc, _ = _start_hanging_ingest(ctx, tmp_path)
    proc.kill()
    proc.wait()  # reaped: the pid is gone, as after any crash
    recs = ctx.ledger.records()
    assert {r.outcome for r in recs} <= {"received", "validating"} and "validating" in {r.outcome for r in recs}
    [row] = [s for s in status(ctx, "finance") if s["table"] == "finance_ods.expenses"]
    assert row["health"] == "stuck" and row["pending_rows"] == 0 and len(row["stuck"]) == 4
    again = _lake("ingest", "--home", str(ctx.home.root))  # at once: no 900 s wait for dead leases
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("staged ") == 4 and "4 new object(s) ingested" in again.stdout
    recs = ctx.ledger.records()
    assert {r.outcome for r in recs} == {"staged"} and sum(r.rows_staged for r in recs) == 12
    assert "0 new object(s) ingested" in _lake("ingest", "--home", str(ctx.home.root)).stdout
    [row] = [s for s in status(ctx, "finance") if s["table"] == "finance_ods.expenses"]
    assert row["health"] == "fresh" and row["pending_rows"] == 12 and row["stuck"] == []


def test_sigterm_during_lake_ingest_gives_the_lease_back_and_exits(ctx, tmp_path):
    proc, _ = _start_hanging_ingest(ctx, tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    recs = ctx.ledger.records()
    assert "validating" not in {r.outcome for r in recs}  # released, not left for a lease to expire
    assert any(r.reason and "attempt 1 failed: SystemExit" in r.reason for r in recs)
    _finishes_everything(ctx)


def test_a_live_holder_keeps_its_lease_and_a_dead_one_loses_it_at_once(ctx):
    from lake.backends.holder import owner
    from lake.ingest.receiver import receive
    from lake.runtime.events import ObjectRef

    path = ctx.home.ingress / "finance" / "expenses" / "a.csv"
    path.parent.mkdir(parents=True)
    path.write_text(expenses(*good_rows(2)))
    rec = receive(ctx, ObjectRef("ingress", "finance/expenses/a.csv"))
    assert ctx.ledger.start(rec.ingest_id, "lambda", holder=owner())
    assert not ctx.ledger.start(rec.ingest_id, "lambda", holder="other")  # this process lives
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = owner().split(":")[0]
    ctx.ledger.complete(rec.ingest_id, outcome="validating", lease_owner=f"{host}:{dead.stdout.strip()}:1",
                        completed_at=None)
    assert ctx.ledger.start(rec.ingest_id, "lambda", holder=owner())  # its process is gone: taken over
    assert ctx.ledger.get(rec.ingest_id).attempts == 2
