"""Locks that keep the writers of the same Iceberg tables apart (``lake run``, ``lake forget``, vacuum).

Two writers of one Iceberg table race on its metadata (the loser fails with a raw Py4J error or
"Metadata file missing"), and an erasure's orphan-file removal cannot tell a concurrent
promotion's new files from debris. So every writer holds the lock of each zone whose tables it
writes, for as long as it writes:

- ``zone:<zone>``: taken by ``lake run --zone Z`` (which writes only Z's tables), by ``lake run``
  for every zone, by an erasure and by the vacuum for every zone they touch;
- ``ingest``: taken *shared* by ``lake ingest``/``lake drop`` (ingests run side by side) and
  *exclusively* by an erasure, which rewrites the same raw files and ledger rows.

Names are always taken in sorted order, so two commands never wait for each other in a circle.
A lock names its holder (host, pid, start, command). A holder that died leaves nothing behind:
locally the kernel drops an ``flock`` with its process, on DynamoDB the lock expires unless its
holder renews it, and a holder on this host whose pid is gone is taken over at once.

Backends: ``FileLocks`` (one file per name under ``$LAKE_HOME/platform/locks``) and
``lake.backends.dynamodb_lock.DynamoDbLocks`` (a conditional put on the ledger table).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from lake.backends.holder import Holder

INGEST = "ingest"
POLL_SECONDS = 0.5
LOCK_WAIT = 1800.0  # how long a Glue job waits for a zone's lock before failing (its workflow retries)


def zone_lock(zone: str) -> str:
    return f"zone:{zone}"


class Busy(RuntimeError):
    """Another command holds a lock this one needs (after waiting as long as it was allowed to)."""

    def __init__(self, name: str, holder: Holder | None):
        self.name, self.holder = name, holder
        who = holder.describe() if holder else "ingests are running" if name == INGEST else "holder unknown"
        super().__init__(f"a run is in progress ({who}; lock {name})")


class Locks(Protocol):
    def try_acquire(self, name: str, holder: Holder, shared: bool = False) -> Holder | None | bool:
        """True when taken; otherwise the current holder (None: unknown, e.g. shared holders)."""
        ...

    def release(self, name: str, holder: Holder) -> None: ...

    def holder(self, name: str) -> Holder | None: ...


class FileLocks:
    """``flock`` on ``<root>/<name>.lock``; the exclusive holder writes its name into the file."""

    def __init__(self, root: Path):
        self.root = root
        self._fds: dict[tuple[str, str], int] = {}

    def _path(self, name: str) -> Path:
        return self.root / (name.replace(":", "-").replace("/", "_") + ".lock")

    def try_acquire(self, name: str, holder: Holder, shared: bool = False) -> Holder | None | bool:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path(name), os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by Spark's JVM (PEP 446)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            current = self.holder(name)
            return current if current is not None and current.alive() else None
        if not shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)
        self._fds[(name, holder.owner)] = fd
        return True

    def release(self, name: str, holder: Holder) -> None:
        fd = self._fds.pop((name, holder.owner), None)
        if fd is None:
            return
        with contextlib.suppress(OSError):
            if self.holder(name) == holder:
                os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def holder(self, name: str) -> Holder | None:
        try:
            return Holder.from_json(self._path(name).read_text())
        except OSError:
            return None


@contextlib.contextmanager
def hold(locks: Locks, names: Iterable[str], command: str, wait: float = 0.0,
         shared: Iterable[str] = ()) -> Iterator[Holder]:
    """Hold every lock in ``names`` (and ``shared`` ones shared); wait up to ``wait`` seconds for each.

    Raises ``Busy`` naming the holder when one stays taken. Released on exit, whatever happens."""
    me = Holder(command)
    share = set(shared)
    taken: list[str] = []
    deadline = time.monotonic() + max(0.0, wait)
    try:
        for name in sorted(set(names) | share):
            while (got := locks.try_acquire(name, me, name in share)) is not True:
                if time.monotonic() >= deadline:
                    raise Busy(name, got if isinstance(got, Holder) else None)
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            taken.append(name)
        yield me
    finally:
        for name in reversed(taken):
            locks.release(name, me)


def for_home(platform: Path) -> Locks:
    """The lock backend of this process: DynamoDB on AWS (``LAKE_BACKEND=aws``), files otherwise."""
    if os.environ.get("LAKE_BACKEND") == "aws" and os.environ.get("LEDGER_TABLE"):
        from lake.backends.dynamodb_lock import DynamoDbLocks

        return DynamoDbLocks(os.environ["LEDGER_TABLE"])
    return FileLocks(platform / "locks")
