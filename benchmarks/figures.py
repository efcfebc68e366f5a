"""What every benchmark prints and records: its README figure, with the machine, the commit and the load.

A figure is recorded (``--record``: its row of README's Performance table and the benchmark's
``figures.json``) only from a run that checked its results against the baseline's and ran on a quiet
machine: the 1-minute load average at most ``--max-load`` before the run, and during it the CPU time
of every process outside the benchmark's own process tree at most ``--max-load`` cores on average
(the load average after the run is no test: the benchmark's own sides raise it). Nobody types a figure by hand.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DEFAULT_MAX_LOAD = 0.5  # per core: a quiet 2-core machine idles well below 1.0


def machine() -> str:
    model = ""
    try:
        model = next(x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines()
                     if x.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GB, Python {platform.python_version()}"


def commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=REPO, capture_output=True,
                          text=True).stdout.strip() or "unknown"
    # The code measured; not the figures and results the benchmarks themselves write.
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "lake", "glue_jobs", "benchmarks",
                            ":!benchmarks/*/figures.json", ":!benchmarks/*/results.json"], cwd=REPO,
                           capture_output=True, text=True).stdout.strip()
    return head + ("+uncommitted" if dirty else "")


def load() -> float:
    return os.getloadavg()[0]


class OtherWork(threading.Thread):
    """Samples every process twice a second and adds up the CPU time of those outside this benchmark.

    A process is the benchmark's once it was seen descending from it, even after its parent dies
    (PySpark's JVM outlives the Python process that started it). Anything else that runs during the
    benchmark competes with its sides for the two cores and is counted.
    """

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval, self.ours, self.seen = interval, {os.getpid()}, {}
        self.foreign, self.started = 0.0, time.monotonic()
        self.stopped = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.sample(first=True)

    def sample(self, first: bool = False) -> None:
        procs = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            procs[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick)
        for pid, (ppid, _) in sorted(procs.items()):
            if ppid in self.ours:
                self.ours.add(pid)
        for pid, (_, cpu) in procs.items():
            if pid not in self.ours:
                # a process first seen now started during the run (or is old, and then seen at the first sample)
                self.foreign += 0.0 if first else cpu - self.seen.get(pid, 0.0)
            self.seen[pid] = cpu

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def cores(self) -> float | None:
        """Average cores used by other processes since the start (None where /proc is missing)."""
        self.stopped.set()
        if not Path("/proc/self/stat").exists():
            return None
        self.sample()
        return self.foreign / max(time.monotonic() - self.started, 1e-3)


def settle(max_load: float, patience: float = 180.0) -> float:
    """The 1-minute load average once it falls to ``max_load``, or after ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while load() > max_load and time.monotonic() < deadline:
        time.sleep(5)
    return load()


def add_arguments(parser) -> None:  # noqa: ANN001 - an argparse.ArgumentParser
    parser.add_argument("--record", action="store_true",
                        help="write the figure to README's Performance table and figures.json (quiet machine only)")
    parser.add_argument("--max-load", type=float, default=DEFAULT_MAX_LOAD * (os.cpu_count() or 1),
                        help="refuse --record above this 1-minute load average (default: %(default).1f)")


class Run:
    """One benchmark run: the load before it, then ``finish`` prints the figure and maybe records it."""

    def __init__(self, name: str, args) -> None:  # noqa: ANN001 - argparse.Namespace with add_arguments' options
        self.name, self.args = name, args
        self.load_before = load()
        if args.record and self.load_before > args.max_load:  # a benchmark that just ended: wait it out
            self.load_before = settle(args.max_load)
        self.started = datetime.now(UTC)
        self.other_work = OtherWork()
        self.other_work.start()
        if args.record and self.load_before > args.max_load:
            raise SystemExit(f"refusing --record: load average {self.load_before:.2f} > {args.max_load:.2f} "
                             "(other work would slow the sides unevenly); wait for a quiet machine")

    def finish(self, row: str, details: dict, correct: bool, met: bool) -> int:
        """Print the README row (and what it was measured on); record it if asked and allowed.

        ``row``: the table cells after the benchmark's name, e.g. ``"ours | baseline | **0.9×** | ≤ 1.0×"``.
        Returns the exit code: 0 when the results agree and the target is met.
        """
        load_after = load()
        others = self.other_work.cores()
        taken = f"{self.started:%Y-%m-%d}, {machine()}, commit {commit()}"
        line = f"| `make bench-{self.name}` ({taken}): {row} |"
        print("\nREADME figure:")
        print(line)
        print(f"  load average {self.load_before:.2f} before, {load_after:.2f} after; other processes used "
              f"{'?' if others is None else f'{others:.2f}'} cores meanwhile; "
              f"results {'agree' if correct else 'DIFFER'}; target {'met' if met else 'missed'}")
        if self.args.record:
            problems = [p for p, bad in [
                ("the results differ from the baseline's", not correct),
                (f"other processes used {others:.2f} cores during the run (> {self.args.max_load:.2f})",
                 others is not None and others > self.args.max_load),
                ("the code has uncommitted changes", commit().endswith("+uncommitted"))] if bad]
            if problems:
                print(f"not recorded: {'; '.join(problems)}")
                return 1
            record(self.name, line, {"taken": taken, "load": [self.load_before, load_after], "row": row,
                                     "target_met": met, **details})
            print(f"recorded in README.md and benchmarks/{self.name}/figures.json")
        return 0 if correct and met else 1


def record(name: str, line: str, details: dict) -> None:
    (REPO / "benchmarks" / name / "figures.json").write_text(json.dumps(details, indent=1, default=str) + "\n")
    lines = README.read_text().splitlines()
    prefix = f"| `make bench-{name}`"
    at = [i for i, x in enumerate(lines) if x.startswith(prefix)]
    if at:
        lines[at[0]] = line
    else:  # a new benchmark: its row goes after the Performance table's last row
        head = lines.index("## Performance")
        rows = [i for i, x in enumerate(lines[head:], head) if x.startswith("| `make bench-")]
        lines.insert((rows[-1] if rows else head) + 1, line)
    README.write_text("\n".join(lines) + "\n")
