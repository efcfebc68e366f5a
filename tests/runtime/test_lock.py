"""Locks between writers: one holder at a time, the second told who holds it, dead holders taken over."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from lake.runtime.lock import Busy, FileLocks, Holder, Locks, hold

HOLD_AND_SLEEP = """
import sys, time
from pathlib import Path
from lake.runtime.lock import FileLocks, hold
with hold(FileLocks(Path(sys.argv[1])), ["zone:finance"], "lake run --zone finance"):
    print("held", flush=True)
    time.sleep(600)
"""


def refused(locks: Locks, names: list[str], command: str, shared: tuple[str, ...] = ()) -> str:
    """The message of the Busy that taking ``names`` raises (fails the test when it is granted)."""
    try:
        with hold(locks, names, command, shared=shared):
            pass
    except Busy as err:
        return str(err)
    raise AssertionError(f"{command} got {names} while another held them")


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def holder_process(root: Path) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", HOLD_AND_SLEEP, str(root)], stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def test_second_holder_is_refused_with_who_holds_it(tmp_path: Path) -> None:
    locks = FileLocks(tmp_path)
    with hold(locks, ["zone:finance"], "lake run") as me:
        message = refused(FileLocks(tmp_path), ["zone:finance", "zone:hr"], "lake forget")
        assert message.startswith(f"a run is in progress (pid {os.getpid()} on ")
        assert f"started {me.started}" in message and "lake run" in message
        with hold(FileLocks(tmp_path), ["zone:hr"], "lake run --zone hr"):  # other zones are free
            pass
    with hold(FileLocks(tmp_path), ["zone:finance", "zone:hr"], "lake forget"):  # released on exit
        pass


def test_waiting_holder_gets_the_lock_when_it_is_released(tmp_path: Path) -> None:
    first = hold(FileLocks(tmp_path), ["zone:finance"], "lake run")
    first.__enter__()
    threading.Timer(0.7, first.__exit__, (None, None, None)).start()
    t0 = time.monotonic()
    with hold(FileLocks(tmp_path), ["zone:finance"], "lake run", wait=10):
        waited = time.monotonic() - t0
    assert 0.5 < waited < 5


def test_a_killed_holder_is_taken_over_at_once(tmp_path: Path) -> None:
    proc = holder_process(tmp_path)
    assert re.search(f"pid {proc.pid} on .*lake run --zone finance", refused(FileLocks(tmp_path), ["zone:finance"],
                                                                             "lake run"))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    with hold(FileLocks(tmp_path), ["zone:finance"], "lake run"):
        assert time.monotonic() - t0 < 1
        holder = FileLocks(tmp_path).holder("zone:finance")
        assert holder is not None and holder.pid == os.getpid()


def test_a_lock_file_naming_a_dead_process_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "zone-finance.lock").write_text(json.dumps(
        {"command": "lake run", "host": Holder("x").host, "pid": dead_pid(), "started": "2026-01-01T00:00:00+00:00",
         "owner": "gone"}))
    with hold(FileLocks(tmp_path), ["zone:finance"], "lake run"):
        pass


def test_shared_holders_run_together_and_keep_the_exclusive_one_out(tmp_path: Path) -> None:
    with hold(FileLocks(tmp_path), [], "lake ingest", shared=["ingest"]), \
            hold(FileLocks(tmp_path), [], "lake drop", shared=["ingest"]):
        assert "ingests are running" in refused(FileLocks(tmp_path), ["ingest"], "lake forget")
    with hold(FileLocks(tmp_path), ["ingest"], "lake forget"):
        assert "lake forget" in refused(FileLocks(tmp_path), [], "lake ingest", shared=("ingest",))
