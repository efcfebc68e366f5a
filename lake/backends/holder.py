"""A process as the holder of a ledger lease (``host:pid:start``) or of a lock (``Holder``), and
whether it still runs.

The start time tells a reused pid from the process that took the lease. Only a holder on this
host can be judged dead; one elsewhere (a Lambda, a Glue job) keeps its lease until it lapses.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux); None where /proc is absent."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, counted after the command name


def owner() -> str:
    """This process, as a lease holder."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '-'}"


def is_dead(holder: str | None) -> bool:
    """True only when ``holder`` is a process of this host that no longer runs; a holder elsewhere
    (or unknown) may be alive, so its lease ends only when it expires."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    now_started = _start_time(pid)
    return started not in ("", "-") and now_started is not None and now_started != started  # pid reused


@dataclass(frozen=True)
class Holder:
    command: str
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    def alive(self) -> bool:
        """False only when the holder certainly died: its host is this one and its pid is gone."""
        return not is_dead(f"{self.host}:{self.pid}:-")

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started}, {self.command}"

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        try:
            doc = json.loads(text)
            return cls(str(doc["command"]), str(doc["host"]), int(doc["pid"]), str(doc["started"]), str(doc["owner"]))
        except (ValueError, KeyError, TypeError):
            return None
