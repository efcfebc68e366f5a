"""Where one `lake` command's wall seconds go: a phase timeline of the command, run in this process.

    .venv/bin/python -m benchmarks.run.timeline [--min-ms 20] -- run --home H --config C
    .venv/bin/python -m benchmarks.run.timeline -- demo --home H

Seconds are counted from the process's start (the interpreter's own start-up included, read from
/proc), as a user waits for them. Each phase is a call of one of ``PHASES`` (the platform's steps)
or of a Spark statement (``SparkSession.sql``, a ``writeTo`` action): start, duration, thread,
nesting. Phases shorter than ``--min-ms`` are left out; the import of the platform is a phase of its
own. What follows the command (the interpreter's exit, the JVM's shutdown) is outside this process's
view: time the whole command with /usr/bin/time to see it.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

PHASES = [
    "lake.runtime.context:Context.local",
    "lake.spark:local_session", "lake.spark:use_warehouse",
    "lake.local.idle:idle_builds",
    "lake.local.ingest:drop_file",
    "lake.tasks.to_ods.promote:promote_task", "lake.tasks.to_ods.promote:promote",
    "lake.tasks.to_ods.promote:_prepare", "lake.tasks.to_ods.promote:_promote_audited",
    "lake.tasks.to_ods.promote:_metrics", "lake.tasks.to_ods.promote:_checked",
    "lake.tasks.to_ods.quality:flag", "lake.tasks.to_ods.quality:evaluate",
    "lake.tasks.to_ods.tables:audit_branch", "lake.tasks.to_ods.tables:publish", "lake.tasks.to_ods.tables:discard",
    "lake.tasks.to_ods.tables:row_count", "lake.tasks.to_ods.tables:evolve", "lake.tasks.to_ods.tables:hold_back",
    "lake.tasks.to_ods.tables:merge_tombstones", "lake.tasks.to_ods.tables:without_superseded",
    "lake.tasks.projections.task:project", "lake.tasks.projections.task:record",
    "lake.tasks.projections.build:rebuild", "lake.tasks.projections.build:_build_one",
    "lake.tasks.projections.build:_due", "lake.tasks.projections.build:_frame",
    "lake.tasks.projections.build:_replace", "lake.tasks.projections.checks:run_tests",
    "lake.tasks.projections.sessions:session_copy",
    "lake.tasks.projections.state:load", "lake.tasks.projections.state:rows_now",
    "lake.tasks.projections.state:current_snapshot",
    "lake.runtime.runlog:record", "lake.runtime.runlog:log_event",
    "lake.backends.openlineage:emit",
    "lake.query:QueryEngine.__init__", "lake.query:QueryEngine.batches", "lake.query:QueryEngine.check",
    "lake.output:write",
    "lake.demo.samples:generate",
]
SPARK = ["pyspark.sql.session:SparkSession.sql", "pyspark.sql.readwriter:DataFrameWriterV2.append",
         "pyspark.sql.readwriter:DataFrameWriterV2.create", "pyspark.sql.readwriter:DataFrameWriterV2.createOrReplace",
         "pyspark.sql.catalog:Catalog.tableExists", "pyspark.sql.catalog:Catalog.refreshTable"]


def process_start() -> float:
    """This process's start as a ``time.time()`` value (/proc: clock ticks since boot)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")


T0 = process_start()
_events: list[tuple[float, float, str, int, str]] = []  # start, seconds, thread, depth, what
_depth = threading.local()


def _timed(label: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        start = time.time()
        try:
            return fn(*args, **kwargs)
        finally:
            _depth.n = depth
            what = label
            if label.endswith("SparkSession.sql") and len(args) > 1:
                what = f"sql: {' '.join(str(args[1]).split())[:90]}"
            elif label.startswith(("lake.tasks.to_ods.promote:promote", "lake.tasks.projections.build:_build_one")):
                what = f"{label} {args[2:4] if 'promote' in label else args[2].table}"
            _events.append((start, time.time() - start, threading.current_thread().name, depth, what))
    return wrapper


def patch(target: str) -> None:
    """Time ``module:attr`` (or ``module:Class.method``), also where a module imported it by name."""
    modname, attr = target.split(":")
    mod = importlib.import_module(modname)
    owner: Any = mod
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    orig = getattr(owner, name)
    timed = _timed(target, orig)
    setattr(owner, name, timed)
    if not path:
        for other in list(sys.modules.values()):
            if getattr(other, "__name__", "").startswith("lake") and getattr(other, name, None) is orig:
                setattr(other, name, timed)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--min-ms", type=float, default=20)
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    argv = [a for a in args.command if a != "--"]
    start = time.time()
    for t in PHASES + SPARK:
        patch(t)
    imported = time.time()
    from lake.cli import main as lake

    code = lake(argv)
    end = time.time()
    print(f"\n# timeline of `lake {' '.join(argv)}` (s since the process started)", file=sys.stderr)
    print(f"{start - T0:7.2f} {start - T0:6.2f}  MainThread  interpreter start, until this script ran",
          file=sys.stderr)
    print(f"{start - T0:7.2f} {imported - start:6.2f}  MainThread  imports of the timed modules (pyspark, lake)",
          file=sys.stderr)
    for s, d, thread, depth, what in sorted(_events):
        if d * 1000 >= args.min_ms:
            print(f"{s - T0:7.2f} {d:6.2f}  {thread[:12]:<12}{'  ' * depth}{what}", file=sys.stderr)
    print(f"{end - T0:7.2f}         command returned ({code}); cpu {time.process_time():.1f} s in Python",
          file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
