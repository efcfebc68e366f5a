"""moto's Step Functions interpreter (LocalStack's ASL interpreter), as the twin runs it.

Two moto 5.1 defects are worked around here (shared/DESIGN.md §5), and the three hook points
that work are taken: Glue job runs (``FakeJob.start_job_run``), Lambda invocations
(``LambdaFunction._invoke_lambda``) and the retrier's ``time.sleep``.

1. ``glue:startJobRun.sync`` fails with ``'NoneType' object has no attribute 'interrupt_all'`` unless
   the Glue integration lists ``WaitForTaskToken`` among its patterns: added.
2. A machine's second execution fails with ``cannot pickle '_thread.RLock'`` (getmoto/moto#10077):
   ``start_execution`` deep-copies the machine with its running executions; the copy leaves them out.
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Callable
from typing import Any

from lake.twin.calls import Calls


class Clock:
    """Retry intervals are not slept: the twin waits until some job run or invocation finished
    (what a real wait of that length would most likely have let happen), and records the interval."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.busy = 0
        self.cond = threading.Condition()
        self.waited: list[float] = []

    def running(self) -> Any:
        clock = self

        class _Running:
            def __enter__(self) -> None:
                with clock.cond:
                    clock.busy += 1

            def __exit__(self, *exc: object) -> None:
                with clock.cond:
                    clock.busy -= 1
                    clock.cond.notify_all()

        return _Running()

    def sleep(self, seconds: float) -> None:
        self.waited.append(float(seconds))
        with self.cond:
            if self.busy:
                self.cond.wait(timeout=min(float(seconds), 900.0))


def install(clock: Clock, run_glue: Callable[[Any, Any], tuple[str, str | None]],
            invoke: Callable[[str, Any], tuple[str, bool, str]]) -> Callable[[], None]:
    """Patch moto; returns the function that undoes it."""
    from moto.awslambda.models import LambdaFunction
    from moto.glue.models import FakeJob
    from moto.stepfunctions.parser import models as sfn_models
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as callback,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_glue as glue_task,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition

    undo: list[Callable[[], None]] = []

    def patch(obj: Any, name: str, value: Any) -> None:
        old = getattr(obj, name)
        setattr(obj, name, value)
        undo.append(lambda: setattr(obj, name, old))

    # Defect 1.
    if ResourceCondition.WaitForTaskToken not in glue_task._SUPPORTED_INTEGRATION_PATTERNS:
        patterns: set[Any] = glue_task._SUPPORTED_INTEGRATION_PATTERNS
        patterns.add(ResourceCondition.WaitForTaskToken)
        undo.append(lambda: patterns.discard(ResourceCondition.WaitForTaskToken))

    # Defect 2: deep-copy the machine without its executions (which hold threads and locks), and
    # without its backend (which holds every other machine's).
    def deepcopy(obj: Any, memo: Any = None) -> Any:
        executions = getattr(obj, "executions", None)
        if executions is None:
            return copy.deepcopy(obj, memo)
        memo = dict(memo or {})
        if getattr(obj, "backend", None) is not None:
            memo[id(obj.backend)] = obj.backend
        obj.executions = []
        try:
            clone = copy.deepcopy(obj, memo)
        finally:
            obj.executions = executions
        return clone

    patch(sfn_models, "copy", types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy))
    # Retry intervals (60-900 s as written) and the .sync poll delay.
    patch(retrier_decl, "time", types.SimpleNamespace(sleep=clock.sleep, time=__import__("time").time))
    patch(callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", 0.2)

    original_start = FakeJob.start_job_run

    def start_job_run(self: Any, *args: Any, **kwargs: Any) -> str:
        run_id = original_start(self, *args, **kwargs)  # moto's concurrency check and argument merge
        run = next(r for r in self.job_runs if r.job_run_id == run_id)
        run._transitions = [("RUNNING", "RUNNING")]
        run.status = "RUNNING"
        with clock.running():
            state, error = run_glue(self, run)
        run._transitions = [(state, state)]
        run.status = state
        run.error_message = error
        return run_id

    patch(FakeJob, "start_job_run", start_job_run)
    original_as_dict = type_of_run().as_dict

    def as_dict(self: Any) -> dict[str, Any]:
        out = original_as_dict(self)
        if getattr(self, "error_message", None):
            out["ErrorMessage"] = self.error_message
        return out

    patch(type_of_run(), "as_dict", as_dict)

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        with clock.running():
            return invoke(self.function_name, event)

    patch(LambdaFunction, "_invoke_lambda", _invoke_lambda)

    def restore() -> None:
        for u in reversed(undo):
            u()

    return restore


def type_of_run() -> Any:
    from moto.glue.models import FakeJobRun

    return FakeJobRun
