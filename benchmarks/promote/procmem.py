"""Peak memory and CPU time of a process tree, from /proc (Linux).

Spark's work happens in a JVM that PySpark starts as a child process, so the Python
process's own RSS says little. A background thread polls this process and all of its
descendants (the JVM, any Python workers it forks): the peak of their summed VmRSS, and
each process's VmHWM (the kernel's own high-water mark, exact, not sampled). The headline
figure is the sum of the VmHWMs (driver + JVM + Python workers): an upper bound of the
tree's peak, since the processes need not peak at the same moment.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
KEEP = {"java", "python", "python3", "python3.11"}


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):  # the process ended meanwhile (its /proc/<pid>/task is gone)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):  # the task ended meanwhile
                out += [int(c) for c in task.read_text().split()]
    return out


def tree(root: int) -> list[int]:
    """``root`` and all its descendants (the JVM is a child of the PySpark driver)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += _children(pid)
    return out


def status(pid: int) -> dict[str, int | str]:
    """VmRSS / VmHWM in bytes, and the command name."""
    out: dict[str, int | str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
            elif key == "Name":
                out["name"] = value.strip()
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class TreeSampler:
    """Poll this process's tree every ``interval`` seconds until ``stop``."""

    def __init__(self, root: int | None = None, interval: float = 0.1, keep_ended: bool = False):
        # keep_ended: sampling another process (a CLI run) to its end, count every process seen alive.
        self.root, self.interval, self.keep_ended = root or os.getpid(), interval, keep_ended
        self.peak_rss = 0  # peak of the summed VmRSS of the tree
        self.hwm: dict[int, tuple[str, int]] = {}  # pid -> (name, VmHWM)
        self.cpu_seen: dict[int, float] = {}  # pid -> its CPU seconds when last seen (processes that ended count too)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        total = 0
        for pid in tree(self.root):
            s = status(pid)
            # Only the long-lived processes: the driver, the JVM, Python workers. Not the shells
            # that exec into java, nor the JVM's short-lived forks (Hadoop runs ``chmod``), whose
            # RSS before exec counts pages shared with the JVM a second time.
            if "VmRSS" not in s or (pid != self.root and s["name"] not in KEEP):
                continue
            total += int(s["VmRSS"])
            self.cpu_seen[pid] = max(self.cpu_seen.get(pid, 0.0), cpu_seconds(pid))
            name, hwm = self.hwm.get(pid, ("", 0))
            if name != s["name"]:  # exec'd (python fork -> bash -> java): a new high-water mark
                hwm = 0
            self.hwm[pid] = (str(s["name"]), max(hwm, int(s["VmHWM"])))
        self.peak_rss = max(self.peak_rss, total)

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self.sample()
            # Processes gone by now were transient (Spark's launcher JVM, a fork before its exec).
            if not self.keep_ended:
                alive = set(tree(self.root))
                self.hwm = {pid: v for pid, v in self.hwm.items() if pid in alive}

    def cpu(self) -> float:
        """CPU seconds consumed so far by the live processes of the tree."""
        return sum(cpu_seconds(pid) for pid in tree(self.root))

    def report(self) -> dict:
        by_name: dict[str, int] = {}
        for pid, (name, hwm) in self.hwm.items():
            role = "python driver" if pid == self.root else "jvm" if name == "java" else "python workers"
            by_name[role] = by_name.get(role, 0) + hwm
        return {"peak_tree_rss_mb": round(self.peak_rss / 2**20, 1),
                "sum_hwm_mb": round(sum(h for _, h in self.hwm.values()) / 2**20, 1),
                "hwm_mb_by_process": {k: round(v / 2**20, 1) for k, v in sorted(by_name.items())}}


def wall() -> float:
    return time.perf_counter()
