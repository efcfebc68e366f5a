"""One twin for four failure drills of the finance zone, run in this order on it: the event drills
(a duplicate delivery, a lost event, a poison message), the promotion killed mid-write, the burst of
50 files, then the erasure requested while a promotion writes. Each drill used to deploy a twin of its
own and load the same finance files first (minutes of Glue runs in a ``make test``); here the event
drills load the cost centers and the killed drill day 1's expenses once, and each later drill starts
where the one before it ended, looking only at what it set in motion itself (its files, executions,
Glue runs and failures).

Each drill's results (or the exception that stopped it) are kept under its name; its tests read them
(``drill_results``). A drill that raised does not stop the drills after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lake.twin.assembly import Assembly
from lake.twin.twin import Twin

Drill = Callable[[Twin, Path], dict[str, Any]]


def run(assembly: Assembly, work: Path, events: Drill, killed: Drill, burst: Drill,
        serialized: Drill) -> dict[str, Any]:
    """``{"events": ..., "killed": ..., "burst": ..., "serialized": ...}``: each a drill's results or the
    exception it raised."""
    twin = Twin.start(assembly, work / "twin")
    out: dict[str, Any] = {}
    try:
        out["events"] = _attempt(events, twin, work / "events")  # loads finance's cost centers
        out["killed"] = _attempt(killed, twin, work / "killed")  # loads day 1's expenses, then day 2's
        out["burst"] = _attempt(burst, twin, work / "burst")  # the zone's tables exist by now
        out["serialized"] = _attempt(serialized, twin, work / "serialized")  # a third day, Glue runs overlapping
    finally:
        twin.stop()
    return out


def _attempt(drill: Drill, twin: Twin, work: Path) -> dict[str, Any] | BaseException:
    work.mkdir(parents=True, exist_ok=True)
    try:
        return drill(twin, work)
    except Exception as err:  # noqa: BLE001 - the drill's tests fail with it, the next drill still runs
        return err
    finally:
        twin.glue.faults.clear()  # a drill that stopped half-way leaves no fault to the next one


def drill_results(shared: dict[str, Any], name: str) -> dict[str, Any]:
    got = shared[name]
    if isinstance(got, BaseException):
        raise got
    return got
