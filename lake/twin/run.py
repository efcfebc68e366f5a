"""``lake twin``: synthesize (or take) a cloud assembly, run the demo scenario through it offline,
run the same scenario locally, print both side by side; exit 0 only when every component ran
without an unexpected failure and every comparison matched."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lake import progress
from lake.twin import scenario
from lake.twin.assembly import AssemblyError, catalog_prefix, load, synthesize
from lake.twin.compare import Line, compare
from lake.twin.results import Results

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    calls_file: Path | None = None
    access: Any = None  # lake.twin.access.proof.Proof: every call decided against the templates' policies
    twin: Results | None = None  # what the twin's run produced (the left side of the comparison)
    then: Any = None  # what ``run_twin``'s ``then`` returned
    then_calls: list[dict[str, Any]] = field(default_factory=list)  # the AWS calls ``then`` added
    then_access: Any = None  # those calls decided against the same policies (the drill's own proof)
    seconds: float = 0.0
    refused: str = ""  # why the twin would not run this assembly (exit 2)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines) and all(line.ok for line in self.lines)

    def render(self) -> str:
        out = ["== The twin against the local run (lake demo's scenario)"]
        out += [str(line) for line in self.lines]
        out.append("== Components")
        failed = [p for p in self.problems if self.access is None or not p.startswith("access:")]
        out += [f"  FAILED  {p}" for p in failed] or ["  every component ran without an unexpected failure"]
        if self.calls_file:
            out.append(f"AWS calls per component: {self.calls_file}")
        if self.access is not None:
            out.append("== Access proof (each call against the synthesized IAM, key, bucket, queue and topic policies)")
            out += [f"  DENIED  {p}" for p in self.access.problems()] or [
                f"  {self.access.checked} calls checked, each allowed"]
            idle = sum(len(v) for v in self.access.unused().values())
            out.append(f"  {idle} role statements no call needed (lake twin --unused writes README's table)")
        differ = sum(not line.ok for line in self.lines)
        out.append(f"twin: {'OK' if self.ok else 'FAILED'} in {self.seconds:.0f} s ({differ} differences, "
                   f"{len(self.problems)} component failures)")
        return "\n".join(out)


def run_twin(assembly_dir: Path | None = None, work: Path | None = None, local: bool = True,
             then: Callable[[Any, list[Any], Path], Any] | None = None) -> Report:
    """``then(twin, samples, work)`` runs on the deployed twin after everything above was read from it
    (a drill that goes on from the scenario's end state: the tests' erasure drill)."""
    from lake.config import load_config
    from lake.twin import health
    from lake.twin.access import physical, proof
    from lake.twin.twin import Twin

    started = time.monotonic()
    work = work or Path(tempfile.mkdtemp(prefix="lake-twin-"))
    report = Report()
    progress.stage(f"twin: reading {assembly_dir}" if assembly_dir else "twin: synthesizing the CDK app")
    try:
        assembly = load(assembly_dir) if assembly_dir else synthesize(REPO, work / "cdk.out")
    except AssemblyError as err:
        report.problems.append(f"deploy: {err}")
        return report
    prefix = catalog_prefix(assembly)
    if prefix:
        report.refused = (
            f"the assembly is a namespaced stage (catalog prefix {prefix!r}: its Glue databases and LF-tag keys "
            f"are {prefix}<name>). The twin runs lake demo's scenario and compares it with the local run under "
            "the plain catalog names, so it refuses a namespaced stage rather than report false differences; "
            "give it the stage synthesized alone in its account and region (no catalogPrefix), e.g. plain "
            "`lake twin`. The namespaced names are checked on the templates by tests/infra/test_stages*.py.")
        report.problems.append(f"refused: {report.refused}")
        return report
    progress.stage("twin: deploying the templates into moto")
    try:
        twin = Twin.start(assembly, work / "twin")
    except (AssemblyError, RuntimeError) as err:
        report.problems.append(f"deploy: {err}")
        return report
    try:
        progress.stage("twin: the demo's files through the deployment")
        samples = scenario.run(twin, work)
        progress.stage("twin: reading the deployment's results")
        config = next(iter(twin.functions.specs.values())).code / "insight_zones"
        cfg = load_config(config)
        mine = report.twin = scenario.twin_results(twin, cfg)
        report.problems = health.problems(twin)
        report.calls_file = work / "aws-calls.json"
        twin.calls.write(report.calls_file)
        physical.save(twin.deployment, work / "deployment.json")
        calls = twin.calls.all()  # read once: the Glue jobs' calls are a file parsed on each read
        progress.stage(f"twin: proving {len(calls):,} AWS calls allowed")
        try:
            report.access = proof.evaluate(twin.deployment, calls)
            report.problems += report.access.problems()
        except Exception as err:  # noqa: BLE001 - the run's other results still count; the proof did not run
            report.problems.append(f"access: the proof could not run: {type(err).__name__}: {err}")
        if then is not None:
            import json

            proven = {json.dumps(c, sort_keys=True) for c in calls}
            report.then = then(twin, samples, work)
            # The drill's own calls go through the same proof: a denied one fails the drill's tests.
            report.then_calls = [c for c in twin.calls.all() if json.dumps(c, sort_keys=True) not in proven]
            try:
                report.then_access = proof.evaluate(twin.deployment, report.then_calls)
            except Exception as err:  # noqa: BLE001 - reported to the drill's tests, like a drill's failure
                report.then_access = err
    finally:
        twin.stop()
    if local:
        progress.stage("twin: the same scenario on the local runtime")
        theirs = scenario.local_results(work / "local-home", str(config))
        report.lines = compare(mine, theirs)
    report.seconds = time.monotonic() - started
    return report


def main(assembly: str | None, unused: bool = False) -> int:
    report = run_twin(Path(assembly) if assembly else None)
    if report.refused:
        print(f"lake twin: {report.refused}", file=sys.stderr)
        return 2
    print(report.render())
    if unused and report.access is not None:
        from lake.twin.access import unused as idle

        idle.write_readme(report.access, REPO / "README.md")
        print(f"unused permissions written to {REPO / 'README.md'}")
        for line in idle.unexplained(report.access):
            print(f"  {line}", file=sys.stderr)
    if not report.ok:
        print("twin: " + "; ".join(report.problems[:5] + [f"{x.section} {x.item} differs"
                                                            for x in report.lines if not x.ok][:10]), file=sys.stderr)
    return 0 if report.ok else 1
