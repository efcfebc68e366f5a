"""Who holds an ingest's validation lease, whether that holder still lives, and keeping it alive.

A local lease belongs to a process: ``host:pid:start`` (the start time tells a reused pid from
the process that took the lease). When that process is gone (kill -9, a crash, SIGTERM) the next
``lake ingest`` on the same host takes the lease over at once instead of waiting for it to expire.
A holder on another host (a Lambda, a Glue job) is judged by the lease's expiry alone, which a
``Heartbeat`` keeps pushing forward while the validation runs, however long it takes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from lake.backends.holder import is_dead, owner

__all__ = ["Heartbeat", "graceful_sigterm", "is_dead", "lease_seconds", "owner"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 900  # a validator Lambda's longest run; a Glue job renews its lease (Heartbeat)


def lease_seconds() -> int:
    """How long an unrenewed validation lease lasts: ``LAKE_LEASE_SECONDS``, else 900 s. Every validator
    of one deployment must see the same value (the twin's lease drill shortens it for all of them)."""
    return int(os.environ.get("LAKE_LEASE_SECONDS", LEASE_SECONDS))


class Renewable(Protocol):
    def renew(self, ingest_id: str, holder: str, lease_seconds: int = LEASE_SECONDS) -> bool: ...


class Heartbeat:
    """Renews a lease every third of its length on a background thread, so a validation running
    longer than the lease (a 4-hour Glue job) is never taken by a second validator."""

    def __init__(self, ledger: Renewable, ingest_id: str, holder: str, lease_seconds: int = LEASE_SECONDS,
                 interval: float | None = None):
        self.ledger, self.ingest_id, self.holder, self.lease_seconds = ledger, ingest_id, holder, lease_seconds
        self.interval = lease_seconds / 3 if interval is None else interval
        self.beats = 0
        self.lost = False  # the lease went to another holder: our result must not be recorded
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{ingest_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.ledger.renew(self.ingest_id, self.holder, self.lease_seconds):
                    self.lost = True
                    log.error("lease of ingest %s lost to another validator", self.ingest_id)
                    return
                self.beats += 1
            except Exception:  # noqa: BLE001 - a failed renewal is retried at the next beat
                log.exception("renewing the lease of ingest %s failed", self.ingest_id)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def graceful_sigterm() -> Iterator[None]:
    """SIGTERM ends the command the way Ctrl-C does: the current validation gives its lease back
    (``validator.validate``) and the process exits 143, instead of dying mid-write. Only the main
    thread can own signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
