"""The run log: one ``platform.runs`` record per task run, and structured JSON log lines.

Every task (receiver, validator, to_ods, each projection, sweep) opens a ``TaskRun`` with
``task_run``; when it ends, one row lands in ``platform.runs`` and one JSON log line carrying
the same ``run_id`` is written (``$LAKE_HOME/platform/logs.jsonl`` locally, and the ``lake``
logger, which CloudWatch collects on AWS). A log line, a run and a data row join on
``run_id`` / ``parent_run_id`` / ``_ingest_id``.

``parent_run_id``: for to_ods and projections, the promotion run they belong to; for the
receiver and validator, the ingest id they worked on (the unit that later gets promoted).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from lake import progress
from lake.backends.ledger import now

log = logging.getLogger("lake")

STATUSES = ("succeeded", "failed", "halted", "skipped")


def new_run_id() -> str:
    return "run-" + uuid.uuid4().hex[:12]


@dataclass
class TaskRun:
    task: str
    zone: str | None = None
    table_name: str | None = None
    parent_run_id: str | None = None
    run_id: str = field(default_factory=new_run_id)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    rows_in: int | None = None
    rows_out: int | None = None
    rows_quarantined: int | None = None
    started_at: str = field(default_factory=now)
    ended_at: str | None = None
    status: str = "succeeded"
    error: str | None = None


def log_event(ctx: Any, event: str, run: TaskRun | None = None, **extra: Any) -> None:
    """One structured JSON log line (carrying the run id when there is a run)."""
    line: dict[str, Any] = {"at": now(), "event": event}
    if run is not None:
        line.update(run_id=run.run_id, parent_run_id=run.parent_run_id, task=run.task, zone=run.zone,
                    table=run.table_name)
    line.update(extra)
    text = json.dumps(line, default=str)
    log.info(text)
    platform = getattr(getattr(ctx, "home", None), "platform", None)
    if platform is not None:
        platform.mkdir(parents=True, exist_ok=True)
        with (platform / "logs.jsonl").open("a", encoding="utf-8") as f:
            f.write(text + "\n")


_started: set[str] = set()  # runs whose OpenLineage START went out


def _lineage(ctx: Any, run: TaskRun, state: str) -> None:
    """OpenLineage START / COMPLETE / FAIL; lineage trouble is logged, never fails the task."""
    try:
        from lake.backends.openlineage import emit

        if state != "START" and run.run_id not in _started:
            emit(ctx, run, "START")  # runs recorded after the fact (projection builds) start too
        emit(ctx, run, state)
        _started.add(run.run_id) if state == "START" else _started.discard(run.run_id)
    except Exception as err:  # noqa: BLE001
        log_event(ctx, "openlineage emit failed", run, error=str(err))


def record(ctx: Any, run: TaskRun) -> TaskRun:
    """Close the run (if still open) and write its ``platform.runs`` row, log line and lineage event."""
    if run.status not in STATUSES:
        raise ValueError(f"run status '{run.status}' is not one of {STATUSES}")
    run.ended_at = run.ended_at or now()
    progress.done(run.task, run.table_name or run.zone, run.status, run.rows_out if run.rows_out is not None
                  else run.rows_in)
    row = asdict(run)
    ctx.records.add("runs", **row)
    _lineage(ctx, run, "FAIL" if run.status in ("failed", "halted") else "COMPLETE")
    log_event(ctx, f"{run.task} {run.status}", run, rows_in=run.rows_in, rows_out=run.rows_out,
              rows_quarantined=run.rows_quarantined, error=run.error)
    return run


@contextmanager
def task_run(ctx: Any, task: str, **fields: Any) -> Iterator[TaskRun]:
    """Open a task run; an exception marks it failed (and is re-raised) — the record is written either way."""
    run = TaskRun(task, **fields)
    progress.stage(" ".join(x for x in (task, run.table_name or run.zone) if x))
    log_event(ctx, f"{task} started", run)
    _lineage(ctx, run, "START")
    try:
        yield run
    except BaseException as err:
        run.status = "failed"
        run.error = run.error or (str(err).strip().splitlines() or [type(err).__name__])[0]
        record(ctx, run)
        raise
    record(ctx, run)


def runs(ctx: Any, zone: str | None = None) -> list[dict[str, Any]]:
    """The ``platform.runs`` rows, JSON columns decoded."""
    out = ctx.records.rows("runs", zone)
    for row in out:
        for col in ("inputs", "outputs"):
            if isinstance(row.get(col), str):
                row[col] = json.loads(row[col])
    return out
