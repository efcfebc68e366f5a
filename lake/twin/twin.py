"""The twin: an assembly deployed into moto, with the deployment's own code running its events,
functions, state machines and Glue jobs. ``Twin.start`` deploys; ``settle`` runs everything the
last actions set in motion until nothing is left to run (or only approvals are waiting)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from lake.twin import cloud, lakeformation, router, stepfunctions
from lake.twin.assembly import Assembly
from lake.twin.calls import Calls
from lake.twin.deploy import Deployment, deploy
from lake.twin.functions import Functions
from lake.twin.glue import GlueRunner
from lake.twin.resources import Creators
from lake.twin.sns import Deliveries

SETTLE_LIMIT_S = 900


@dataclass
class Twin:
    assembly: Assembly
    work: Path
    cloud: cloud.Cloud
    deployment: Deployment
    calls: Calls
    functions: Functions
    glue: GlueRunner
    poller: router.Poller
    clock: stepfunctions.Clock
    deliveries: Deliveries = field(default_factory=Deliveries)
    failures: list[str] = field(default_factory=list)
    _undo: list[Any] = field(default_factory=list)
    _clients: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, assembly: Assembly, work: Path | None = None) -> Twin:
        work = work or Path(tempfile.mkdtemp(prefix="lake-twin-"))
        c = cloud.start(assembly.account, assembly.region)
        calls = Calls(work / "calls")
        creators = Creators(assembly.region)
        for service in ("s3", "sqs", "sns", "iam", "lambda", "events", "glue", "stepfunctions", "dynamodb", "kms",
                        "secretsmanager", "athena", "cloudwatch", "logs"):
            calls.hook(creators.client(service), "cloudformation")
        try:
            dep = deploy(assembly, creators)
        except Exception:
            c.stop()  # leave no moto behind: the next twin in this process starts from nothing
            raise
        functions = Functions.from_deployment(dep, c.child_env(), calls.file, work / "logs")
        glue = GlueRunner(dep, c, work / "glue", calls.file)
        clock = stepfunctions.Clock(calls)
        twin = cls(assembly, work, c, dep, calls, functions, glue, router.Poller(dep, functions, assembly.region),
                   clock)
        calls.hook(twin.poller.sqs, "lambda-poller")
        twin._undo.append(twin.deliveries.install())
        twin._undo.append(lakeformation.install())
        twin._undo.append(stepfunctions.install(clock, glue.run, functions.for_moto))
        twin._undo.append(router.install_targets(functions, twin._start_execution, twin.failures))
        twin._undo.append(_hook_interpreter_clients(calls, dep))
        return twin

    def client(self, service: str, component: str | None = None) -> Any:
        """A client acting as ``component`` (its calls recorded), or as the twin itself (not recorded)."""
        key = f"{service}/{component}"
        if key not in self._clients:
            c = boto3.client(service, region_name=self.assembly.region)
            self._clients[key] = self.calls.hook(c, component) if component else c
        return self._clients[key]

    def _start_execution(self, arn: str, payload: str) -> None:
        self.client("stepfunctions", "events").start_execution(stateMachineArn=arn, name=router.execution_name(),
                                                               input=payload)

    # -- what is running -------------------------------------------------------------------
    def executions(self) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        out = []
        for sm in sfn.list_state_machines()["stateMachines"]:
            out += sfn.list_executions(stateMachineArn=sm["stateMachineArn"])["executions"]
        return out

    def waiting_for_token(self, execution_arn: str) -> bool:
        events = self.client("stepfunctions").get_execution_history(
            executionArn=execution_arn, reverseOrder=True, maxResults=5)["events"]
        return any(e["type"] == "TaskSubmitted" and "waitForTaskToken" in
                   e.get("taskSubmittedEventDetails", {}).get("resource", "") for e in events)

    def settle(self) -> None:
        deadline = time.monotonic() + SETTLE_LIMIT_S
        while time.monotonic() < deadline:
            if self.poller.poll_once():
                continue
            time.sleep(0.3)
            running = [e for e in self.executions() if e["status"] == "RUNNING"
                       and not self.waiting_for_token(e["executionArn"])]
            if not running and not self.poller.poll_once():
                return
        self.failures.append(f"the twin did not settle within {SETTLE_LIMIT_S} s")

    def tick(self, schedule_logical_id_prefix: str) -> None:
        """A scheduled rule fires (the clock reached its next rate): its targets get its input."""
        for res in self.deployment.of_type("AWS::Events::Rule"):
            if "ScheduleExpression" in res.properties and res.logical_id.startswith(schedule_logical_id_prefix):
                for t in res.properties.get("Targets", []):
                    payload = json.loads(t["Input"]) if t.get("Input") else {}
                    inv = self.functions.invoke(t["Arn"], payload)
                    if not inv.ok:
                        self.failures.append(f"schedule {res.logical_id}: {inv.error}")

    def stop(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self.functions.stop()
        self.cloud.stop()

    def cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def _hook_interpreter_clients(calls: Calls, dep: Deployment) -> Any:
    """The interpreter's nested calls (glue:StartJobRun, sns:Publish, events:PutEvents, ...) are the
    state machine's: recorded under ``states:<stack>/<logical id>`` of the machine whose task state
    makes them (the thread evaluating a task state knows it; else ``stepfunctions``)."""
    import sys
    import threading

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.utils import boto_client

    running = threading.local()
    machines = {r.attrs.get("Arn"): f"states:{r.stack}/{r.logical_id}"
                for r in dep.of_type("AWS::StepFunctions::StateMachine")}
    original_logic = StateTaskService._eval_execution

    def eval_execution(self: Any, env: Any) -> Any:
        machine = env.states.context_object.context_object_data.get("StateMachine", {}).get("Id")
        running.component = machines.get(machine, "stepfunctions")
        return original_logic(self, env)

    setattr(StateTaskService, "_eval_execution", eval_execution)  # noqa: B010 - patching moto
    original = boto_client.boto_client_for

    def boto_client_for(*args: Any, **kwargs: Any) -> Any:
        return calls.hook(original(*args, **kwargs), getattr(running, "component", "stepfunctions"))

    boto_client.boto_client_for = boto_client_for
    patched = []
    for mod in list(sys.modules.values()):  # modules that imported the function by name
        if getattr(mod, "boto_client_for", None) is original and mod is not boto_client:
            mod.boto_client_for = boto_client_for  # type: ignore[attr-defined]
            patched.append(mod)

    def restore() -> None:
        boto_client.boto_client_for = original
        setattr(StateTaskService, "_eval_execution", original_logic)  # noqa: B010
        for mod in patched:
            mod.boto_client_for = original  # type: ignore[attr-defined]

    return restore
