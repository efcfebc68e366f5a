"""A writer killed mid-write (SIGKILL: no ``finally`` runs) leaves a temp file; the next writer of the
same object removes it, and a live writer's temp file is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from lake.backends.storage import LocalStorage
from tests.conftest import REPO

KILLED_MID_WRITE = """
import os, signal, sys
from pathlib import Path
from lake.backends.storage import LocalStorage
with LocalStorage(Path(sys.argv[1])).writer("staging", "finance/expenses/x.parquet") as tmp:
    tmp.write_bytes(b"half a file, rows of someone who may ask to be forgotten")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_writers_temp_file_is_removed_by_the_next_writer(tmp_path: Path) -> None:
    done = subprocess.Popen([sys.executable, "-c", KILLED_MID_WRITE, str(tmp_path)], env={
        **os.environ, "PYTHONPATH": str(REPO)})
    assert done.wait(60) == -signal.SIGKILL
    folder = tmp_path / "staging" / "finance" / "expenses"
    assert [p.name for p in folder.iterdir()] == [f".x.parquet.{done.pid}.tmp"]
    other = subprocess.Popen(["sleep", "60"])  # another writer of the same object, still running
    live = folder / f".x.parquet.{other.pid}.tmp"
    live.write_bytes(b"in flight")
    (folder / ".x.parquet.tmp").write_bytes(b"from before temp files named their writer")

    storage = LocalStorage(tmp_path)
    with storage.writer("staging", "finance/expenses/x.parquet") as tmp:
        assert tmp != live
        tmp.write_bytes(b"whole file")
    assert sorted(p.name for p in folder.iterdir()) == sorted(["x.parquet", live.name])
    assert [o.key for o in storage.list("staging")] == ["finance/expenses/x.parquet"]
    other.kill()
    other.wait()
