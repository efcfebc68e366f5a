"""Where `lake drop`'s time goes: wall and CPU seconds of each stage, in one process.

    .venv/bin/python benchmarks/ingest/stages.py FILE [--home DIR]

Runs what ``lake drop FILE --zone finance --dataset expenses`` runs, with the stages that touch
the file's bytes wrapped in timers: imports, loading the contracts, the ingress copy (copy and
hash), the landing copy, the conversion (read + check + Parquet write, pipelined), the
duplicate-key check and the rest (ledger, reports, run log). CPU seconds count every thread of
the process, so CPU / wall above 1 is work done on both cores at once, and the CPU column stays
meaningful on a busy machine where wall times are not. A measuring tool, not a benchmark: the
figures in README come from bench.py.
"""

from __future__ import annotations

import argparse
import functools
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TIMES: dict[str, list[float]] = {}


def _now() -> list[float]:
    """Wall, user and system seconds (user and system: every thread of this process)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return [time.perf_counter(), r.ru_utime, r.ru_stime]


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        before = _now()
        try:
            return fn(*args, **kwargs)
        finally:
            spent = TIMES.setdefault(name, [0.0, 0.0, 0.0])
            for i, (a, b) in enumerate(zip(before, _now(), strict=True)):
                spent[i] += b - a
    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path)
    p.add_argument("--home", type=Path, help="lake home (default: a temporary folder, removed after)")
    args = p.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="lake-stages-"))
    start = _now()

    imported = _timed("imports", lambda: __import__("lake.local.ingest"))
    imported()
    from lake.backends import storage
    from lake.ingest import duplicates, validator
    from lake.local.ingest import drop_file
    from lake.runtime.context import Context

    storage.LocalStorage.put_file = _timed("ingress copy + hash", storage.LocalStorage.put_file)
    storage.LocalStorage.copy_hashing = _timed("landing copy", storage.LocalStorage.copy_hashing)
    validator.convert = _timed("convert (read, check, write)", validator.convert)
    duplicates.find = _timed("duplicate keys", duplicates.find)
    ctx = _timed("contracts", Context.local)(home)
    try:
        [rec] = drop_file(ctx, args.file, "finance", "expenses")
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    total = [b - a for a, b in zip(start, _now(), strict=True)]
    TIMES["other (ledger, reports, run log)"] = [t - sum(v[i] for v in TIMES.values()) for i, t in enumerate(total)]
    TIMES["total"] = total
    size = args.file.stat().st_size / 1e6
    print(f"{args.file.name}: {size:,.0f} MB, {rec.rows_staged:,} rows {rec.outcome}; {size / total[0]:.0f} MB/s")
    print("| stage | wall s | user s | system s | CPU/wall |\n|---|---:|---:|---:|---:|")
    for name, (w, u, s) in TIMES.items():
        print(f"| {name} | {w:.2f} | {u:.2f} | {s:.2f} | {(u + s) / w if w > 0.005 else 0:.2f} |")


if __name__ == "__main__":
    main()
