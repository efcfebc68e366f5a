"""A process as the holder of a ledger lease: ``host:pid:start``, and whether it still runs.

The start time tells a reused pid from the process that took the lease. Only a holder on this
host can be judged dead; one elsewhere (a Lambda, a Glue job) keeps its lease until it lapses.
"""

from __future__ import annotations

import os
import socket


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
