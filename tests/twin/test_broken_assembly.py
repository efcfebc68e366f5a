"""Against a broken assembly the twin fails, as the deployment would: a function whose handler
cannot be imported, a state machine pointing at a job that does not exist."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lake.demo.samples import generate
from lake.twin import health, scenario
from lake.twin.assembly import Assembly, load
from lake.twin.twin import Twin


def broken(assembly: Assembly, tmp: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    out = tmp / "cdk.out"
    shutil.copytree(assembly.root, out, symlinks=True)
    for f in out.glob("*.template.json"):
        template = json.loads(f.read_text())
        edit(template)
        f.write_text(json.dumps(template))
    return out


def problems_after_one_file(root: Path, work: Path) -> list[str]:
    twin = Twin.start(load(root), work / "twin")
    try:
        scenario.drop(twin, [s for s in generate(work / "samples") if s.dataset == "cost_centers"])
        twin.settle()
        return health.problems(twin)
    finally:
        twin.stop()


def test_a_handler_that_cannot_be_imported_fails(assembly: Assembly, tmp_path: Path) -> None:
    def edit(t: dict[str, Any]) -> None:
        for r in t["Resources"].values():
            if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"].startswith("lambdas.receiver"):
                r["Properties"]["Handler"] = "lambdas.receiver.renamed.handler"

    problems = problems_after_one_file(broken(assembly, tmp_path, edit), tmp_path)
    assert any("Runtime.ImportModuleError" in p and "lambdas.receiver.renamed" in p for p in problems)
    assert any(p.startswith("dead-letter queue Pipeline/ReceiverQueueDeadLetters") for p in problems)


def test_a_state_machine_pointing_at_a_missing_job_fails(assembly: Assembly, tmp_path: Path) -> None:
    def edit(t: dict[str, Any]) -> None:
        jobs = {k for k, r in t["Resources"].items() if r["Type"] == "AWS::Glue::Job"}
        for r in t["Resources"].values():
            if r["Type"] == "AWS::StepFunctions::StateMachine":
                parts = r["Properties"]["DefinitionString"]["Fn::Join"][1]
                parts[:] = ["no-such-job" if isinstance(p, dict) and p.get("Ref") in jobs else p for p in parts]

    problems = problems_after_one_file(broken(assembly, tmp_path, edit), tmp_path)
    assert any(p.startswith("state machine") and "FAILED" in p for p in problems)
