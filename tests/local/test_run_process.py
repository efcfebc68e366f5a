"""``lake run`` as a user runs it, a process of its own: it ends as soon as its work is done (the
interpreter's teardown skipped, lake/cli.py), with its answer printed in full, its records kept and
its SQLite databases closed as after a normal exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lake.demo.samples import generate
from lake.runtime.context import Context
from tests.conftest import REPO, ZONES

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_a_run_process_prints_everything_keeps_its_records_and_closes_its_databases(tmp_path: Path) -> None:
    from lake.local.ingest import drop_file

    home = tmp_path / "home"
    ctx = Context.local(home, ZONES)
    for s in generate(tmp_path / "samples")[:2]:  # cost centres and one day of expenses
        drop_file(ctx, s.path, s.zone, s.dataset)
    ctx.ledger.db.close()  # type: ignore[attr-defined] # a database open here keeps its -wal file
    ctx.records.db.close()  # type: ignore[attr-defined]
    out_file = tmp_path / "out.txt"
    with out_file.open("w") as out:  # not a pipe: a pipe stays open until the JVM has ended too
        done = subprocess.run([sys.executable, "-m", "lake.cli", "run", "--home", str(home), "--config", str(ZONES)],
                              stdout=out, stderr=subprocess.STDOUT, cwd=REPO, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(REPO), "SPARK_LOCAL_IP": "127.0.0.1"})
    printed = out_file.read_text()
    assert done.returncode == 0, printed
    assert "promoted  finance_ods.expenses" in printed and "built     finance_analytics.expense_summary" in printed
    run_id = printed.strip().splitlines()[-1].split()[1].rstrip(":")  # the last line, flushed before the exit
    assert printed.strip().endswith(f"run {run_id}: ok")
    assert not [f.name for f in (home / "platform").iterdir() if f.name.endswith(("-wal", "-shm"))]
    runs = Context.local(home, ZONES).records.rows("runs")
    assert {(r["task"], r["status"]) for r in runs if r["run_id"] == run_id} == {("promotion", "succeeded")}
    assert {r["task"] for r in runs if r["parent_run_id"] == run_id} == {"to_ods", "projection"}
