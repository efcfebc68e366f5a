"""Progress of long work on a terminal: stage, rows, MB/s, elapsed — and nothing when piped.

One status line on stderr, rewritten in place (at most 5 times a second), only when stderr is a
terminal: output piped or redirected to a file stays exactly the command's answer, and logs and
CI never see carriage returns. ``LAKE_PROGRESS=1`` / ``0`` forces it on / off.

The CLI opens a reporter for a command (``reporting()``); code deep in a task reports through
``stage`` / ``advance`` without being handed anything, and costs one dictionary lookup when no
reporter is open (Lambda, Glue, tests, pipes).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TextIO

_current: ContextVar[Reporter | None] = ContextVar("lake_progress", default=None)


def enabled(stream: TextIO) -> bool:
    forced = os.environ.get("LAKE_PROGRESS", "")
    if forced in ("0", "1"):
        return forced == "1"
    return bool(getattr(stream, "isatty", lambda: False)())


class Reporter:
    def __init__(self, stream: TextIO, command: str = "", interval: float = 0.2):
        self.stream, self.command, self.interval = stream, command, interval
        self.started = time.monotonic()
        self.name, self.rows, self.bytes = "", 0, 0
        self.total_bytes: int | None = None
        self._stage_started = self.started
        self._shown = 0.0
        self._width = 0

    def stage(self, name: str, total_bytes: int | None = None) -> None:
        self.name, self.rows, self.bytes, self.total_bytes = name, 0, 0, total_bytes
        self._stage_started = time.monotonic()
        self.show(force=True)

    def advance(self, rows: int = 0, bytes_done: int | None = None) -> None:
        self.rows += rows
        if bytes_done is not None:
            self.bytes = bytes_done
        self.show()

    def line(self) -> str:
        now = time.monotonic()
        parts = [self.name or self.command or "working"]
        if self.rows:
            parts.append(f"{self.rows:,} rows")
        if self.bytes:
            mb, took = self.bytes / 1e6, max(now - self._stage_started, 1e-3)
            done = f"{mb:,.0f} MB" if not self.total_bytes else \
                f"{mb:,.0f}/{self.total_bytes / 1e6:,.0f} MB ({100 * self.bytes / self.total_bytes:.0f} %)"
            parts.append(f"{done}, {mb / took:,.0f} MB/s")
        parts.append(f"{now - self.started:.1f} s")
        return " · ".join(parts)

    def show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._shown < self.interval:
            return
        self._shown = now
        text = self.line()
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


class _Clearing:
    """sys.stdout / sys.stderr while a status line shows: the line is wiped before anything else is
    written (the demo's steps, alerts), and drawn again at the next update."""

    def __init__(self, stream: TextIO, reporter: Reporter):
        self._stream, self._reporter = stream, reporter

    def write(self, text: str) -> int:
        self._reporter.clear()
        return self._stream.write(text)

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else is the stream's own
        return getattr(self._stream, name)


@contextlib.contextmanager
def reporting(command: str, stream: TextIO | None = None) -> Iterator[Reporter | None]:
    """Show progress of ``command`` on ``stream`` (stderr) for the duration, if it is a terminal."""
    stream = stream or sys.stderr
    if not enabled(stream) or _current.get() is not None:
        yield None
        return
    reporter = Reporter(stream, command)
    outs = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Clearing(sys.stdout, reporter), _Clearing(sys.stderr, reporter)  # type: ignore[assignment]
    reporter.stage(command)
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)
        sys.stdout, sys.stderr = outs
        reporter.clear()  # the command's own output starts on a clean line


def stage(name: str, total_bytes: int | None = None) -> None:
    if (r := _current.get()) is not None:
        r.stage(name, total_bytes)


def expect(total_bytes: int | None) -> None:
    """The current stage's size, when known (an uncompressed file): a percentage is shown."""
    if (r := _current.get()) is not None:
        r.total_bytes = total_bytes


def advance(rows: int = 0, bytes_done: int | None = None) -> None:
    if (r := _current.get()) is not None:
        r.advance(rows, bytes_done)


def done(task: str, what: str | None, status: str, rows: int | None) -> None:
    """A finished step: a line that stays, above the status line (which goes back to the command)."""
    if (r := _current.get()) is not None:
        r.clear()
        took = time.monotonic() - r._stage_started
        count = f", {rows:,} rows" if rows else ""
        r.stream.write(f"  {status} {task} {what or ''}{count} ({took:.1f} s)\n")
        r.stage(r.command)
