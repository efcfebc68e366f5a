"""Lambda functions as the templates define them, run offline: the handler string imported from
the function's code asset with its asset layers on the path, its ``Environment``, its timeout
(the invocation is killed) and memory (peak RSS over ``MemorySize`` fails the invocation, as
Lambda's out-of-memory kill would). One warm process per function, restarted after a failure
that kills it. Layers that are not assets (AWS-managed: Powertools, the SDK for pandas) have no
local copy: their packages come from this machine's environment (a seam, see the README)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lake.twin.deploy import Deployment, Resource

WORKER = Path(__file__).parent / "runtime" / "lambda_worker.py"


@dataclass
class FunctionSpec:
    name: str
    arn: str
    logical_id: str
    component: str  # <stack>/<logical id>: what its AWS calls are recorded under
    handler: str
    code: Path
    layers: list[Path]
    external_layers: list[str]
    environment: dict[str, str]
    timeout: int
    memory_mb: int

    @classmethod
    def from_resource(cls, dep: Deployment, res: Resource) -> FunctionSpec:
        p = res.properties
        layers, external = [], []
        for layer in p.get("Layers", []):
            owner = dep.by_ref("AWS::Lambda::LayerVersion", layer)
            if owner is not None:
                folder = dep.assembly.asset(owner.properties["Content"]["S3Key"])
                if foreign := foreign_wheels(folder / "python"):  # `make lambda-deps` builds for arm64
                    external.append(f"{owner.logical_id} (built for {foreign})")
                else:
                    layers.append(folder / "python")
            else:
                external.append(str(layer))
        return cls(res.ref, res.attrs["Arn"], res.logical_id, f"{res.stack}/{res.logical_id}", p["Handler"],
                   dep.assembly.asset(p["Code"]["S3Key"]),
                   layers, external, {k: str(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()},
                   int(p.get("Timeout", 3)), int(p.get("MemorySize", 128)))


def foreign_wheels(site: Path) -> str | None:
    """The platform a layer's compiled packages were built for, when this machine cannot load them.

    ``make lambda-deps`` builds the dependency layer for Lambda's arm64; on an x86-64 machine its
    extension modules cannot be imported, so the twin takes those packages from this machine's
    environment (the pinned same versions), as it does for AWS-managed layers, and says so."""
    import platform

    machine = platform.machine()
    for wheel in site.glob("*.dist-info/WHEEL") if site.is_dir() else []:
        for line in wheel.read_text(errors="replace").splitlines():
            tag = line.partition("Tag:")[2].strip()
            if any(tag.endswith(arch) and arch != machine for arch in ("aarch64", "x86_64")):
                return tag
    return None


@dataclass
class Invocation:
    function: str
    ok: bool
    result: Any = None
    error: str | None = None
    max_rss_mb: int = 0


@dataclass
class Functions:
    specs: dict[str, FunctionSpec]  # by name and by ARN
    child_env: dict[str, str]
    calls_file: Path
    logs: Path
    invocations: list[Invocation] = field(default_factory=list)
    _workers: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)

    @classmethod
    def from_deployment(cls, dep: Deployment, child_env: dict[str, str], calls_file: Path, logs: Path) -> Functions:
        specs: dict[str, FunctionSpec] = {}
        for res in dep.of_type("AWS::Lambda::Function"):
            spec = FunctionSpec.from_resource(dep, res)
            specs[spec.name] = specs[spec.arn] = spec
        logs.mkdir(parents=True, exist_ok=True)
        return cls(specs, child_env, calls_file, logs)

    def spec(self, name_or_arn: str) -> FunctionSpec:
        key = name_or_arn if name_or_arn in self.specs else name_or_arn.split(":function:")[-1].split(":")[0]
        return self.specs[key]

    def _worker(self, spec: FunctionSpec) -> subprocess.Popen[str]:
        w = self._workers.get(spec.name)
        if w is not None and w.poll() is None:
            return w
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TZ": "UTC", **self.child_env,
               **spec.environment, "AWS_LAMBDA_FUNCTION_NAME": spec.name,
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb), "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
               "AWS_EXECUTION_ENV": "AWS_Lambda_twin", "LAMBDA_TASK_ROOT": str(spec.code),
               "TWIN_COMPONENT": f"lambda:{spec.component}", "TWIN_CALLS_FILE": str(self.calls_file)}
        log = (self.logs / f"{spec.logical_id}.log").open("a")
        w = subprocess.Popen([sys.executable, "-I", str(WORKER), spec.handler, str(spec.code),
                              *map(str, spec.layers)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=log, text=True, env=env, cwd=str(spec.code))
        self._workers[spec.name] = w
        return w

    def invoke(self, name_or_arn: str, event: Any) -> Invocation:
        spec = self.spec(name_or_arn)
        lock = self._locks.setdefault(spec.name, threading.Lock())
        with lock:  # one warm environment per function: concurrent invokes queue (reserved concurrency 1)
            inv = self._invoke(spec, event)
        self.invocations.append(inv)
        return inv

    def _invoke(self, spec: FunctionSpec, event: Any) -> Invocation:
        w = self._worker(spec)
        assert w.stdin is not None and w.stdout is not None
        w.stdin.write(json.dumps({"event": event, "arn": spec.arn}) + "\n")
        w.stdin.flush()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(w.stdout.readline() if w.stdout else ""), daemon=True)
        reader.start()
        reader.join(spec.timeout)
        if reader.is_alive() or not line or not line[0]:
            w.kill()
            w.wait()
            why = f"Task timed out after {spec.timeout} seconds" if reader.is_alive() else "Runtime exited"
            return Invocation(spec.name, False, error=why)
        reply = json.loads(line[0])
        if reply["max_rss_mb"] > spec.memory_mb:
            w.kill()
            w.wait()
            return Invocation(spec.name, False, error=f"Runtime exited: memory {reply['max_rss_mb']} MB "
                                                       f"over MemorySize {spec.memory_mb} MB",
                              max_rss_mb=reply["max_rss_mb"])
        if not reply["ok"]:
            return Invocation(spec.name, False, error=f"{reply['errorType']}: {reply['errorMessage']}",
                              max_rss_mb=reply["max_rss_mb"])
        return Invocation(spec.name, True, result=reply.get("result"), max_rss_mb=reply["max_rss_mb"])

    def for_moto(self, name: str, event: Any) -> tuple[str, bool, str]:
        """``LambdaFunction._invoke_lambda``'s answer: (payload JSON, errored, logs)."""
        if isinstance(event, str):
            event = json.loads(event) if event else {}
        inv = self.invoke(name, event)
        if inv.ok:
            return json.dumps(inv.result), False, ""
        error_type, _, message = (inv.error or "").partition(": ")
        return json.dumps({"errorType": error_type, "errorMessage": message or inv.error}), True, inv.error or ""

    def stop(self) -> None:
        for w in self._workers.values():
            if w.poll() is None:
                w.kill()
                w.wait()
