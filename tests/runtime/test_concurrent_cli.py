"""Two writers at once through the public CLI: the second one is told who runs, or queues behind it;
every outcome is a ``platform.runs`` row, and each refusal one alert."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lake.demo.samples import generate
from lake.runtime.context import Context
from lake.runtime.lock import FileLocks, zone_lock
from tests.conftest import REPO, ZONES

pytestmark = [pytest.mark.spark, pytest.mark.slow]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "SPARK_LOCAL_IP": "127.0.0.1"}


def lake(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "lake.cli", *args, "--home", str(home), "--config", str(ZONES)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=REPO)


def finish(p: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def wait_until_held(home: Path, pid: int) -> None:
    locks = FileLocks(home / "platform" / "locks")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        h = locks.holder(zone_lock("finance"))
        if h is not None and h.pid == pid:
            return
        time.sleep(0.2)
    raise AssertionError("the first lake run never took its lock")


@pytest.fixture
def staged_home(tmp_path: Path) -> Path:
    from lake.local.ingest import drop_file

    home = tmp_path / "home"
    ctx = Context.local(home, ZONES)
    for s in generate(tmp_path / "samples")[:2]:  # cost centres and one day of expenses
        drop_file(ctx, s.path, s.zone, s.dataset)
    return home


def test_second_run_and_a_forget_are_refused_a_waiting_run_queues(staged_home: Path) -> None:
    home = staged_home
    first = lake(home, "run")
    wait_until_held(home, first.pid)
    code, _, err = finish(lake(home, "run"))
    assert code == 1 and f"lake run: a run is in progress (pid {first.pid} on " in err, err
    assert ", started 20" in err and "Traceback" not in err and "Py4J" not in err
    code, _, err = finish(lake(home, "forget", "--subject", "person_email=someone@example.com"))
    assert code == 1 and f"lake forget: a run is in progress (pid {first.pid} on " in err, err
    queued = lake(home, "run", "--wait", "600")
    time.sleep(1)
    assert queued.poll() is None  # waiting, not failed
    code, out, err = finish(first)
    assert code == 0, err
    assert "promoted  finance_ods.expenses" in out
    code, out, err = finish(queued)
    assert code == 0 and "nothing to promote" in out, err

    ctx = Context.local(home, ZONES)
    promotions = [r for r in ctx.records.rows("runs") if r["task"] in ("promotion", "erase") and not r["parent_run_id"]]
    assert sorted((r["task"], r["status"]) for r in promotions) == [
        ("erase", "failed"), ("promotion", "failed"), ("promotion", "succeeded"), ("promotion", "succeeded")]
    refused = [r for r in promotions if r["status"] == "failed"]
    assert all(r["error"].startswith(f"a run is in progress (pid {first.pid} on ") for r in refused)
    alerts = [json.loads(line) for line in (home / "platform" / "alerts.jsonl").read_text().splitlines()]
    told = [a for a in alerts if "a run is in progress" in a["subject"]]
    assert len(told) == 2 and {a["context"]["run_id"] for a in told} == {r["run_id"] for r in refused}
    assert not list((home / "platform" / "locks").glob("*.lock")) or all(
        FileLocks(home / "platform" / "locks").holder(n) is None for n in ("zone:finance", "ingest"))
