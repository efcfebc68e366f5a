"""The CLI's writers under their locks (``lake.runtime.lock``), with every outcome on record.

A command that cannot get its locks, or that dies of an unexpected error, still leaves one
``platform.runs`` row (status ``failed``, the reason in ``error``) and sends exactly one alert,
so "why did nothing happen last night" is answered by SQL, not by a terminal that is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lake.backends.alerts import tell
from lake.runtime import runlog
from lake.runtime.context import Context
from lake.runtime.lock import INGEST, Busy, for_home, hold, zone_lock


def zone_locks(ctx: Context, zone: str | None) -> list[str]:
    """``lake run --zone Z`` writes only Z's tables (its promotions and its own projections)."""
    return [zone_lock(zone)] if zone else [zone_lock(z) for z in ctx.cfg.zones]


def _fail(ctx: Context, task: str, zone: str | None, error: str, alert_zone: str, detail: str,
          record: bool = True) -> None:
    run = runlog.TaskRun(task, zone, status="failed", error=error)
    if record:
        runlog.record(ctx, run)
    tell(ctx, alert_zone, "error", f"{task} failed: {error}", detail, run_id=run.run_id, cause="run failed")


@contextmanager
def guarded(ctx: Context, task: str, command: str, *, zone: str | None = None, wait: float = 0.0,
            exclusive: list[str], shared: tuple[str, ...] = (), records_itself: bool = False) -> Iterator[None]:
    """Run the body holding the locks; a refusal or an unexpected error is recorded and alerted once.

    ``records_itself``: the body writes its own failed run (the erase task does), so only the alert."""
    try:
        with hold(for_home(ctx.home.platform), exclusive, command, wait, shared):
            try:
                yield
            except Busy:
                raise
            except Exception as err:  # noqa: BLE001 - recorded, alerted, then re-raised to the CLI
                text = (str(err).strip().splitlines() or [type(err).__name__])[0]
                _fail(ctx, task, zone, text, zone or "platform",
                      f"`{command}` stopped with an unexpected error; what it committed stays committed. "
                      "Run it again; if it fails again, see platform/logs.jsonl", record=not records_itself)
                raise
    except Busy as err:
        busy_zone = err.name.removeprefix("zone:") if err.name.startswith("zone:") else None
        _fail(ctx, task, zone, str(err), zone or busy_zone or "platform",
              f"`{command}` did not start: another command holds the lock. It runs again on the next "
              "schedule; to queue behind the running one instead, pass --wait SECONDS.")
        raise


__all__ = ["INGEST", "Busy", "guarded", "zone_locks"]
