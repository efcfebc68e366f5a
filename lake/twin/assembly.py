"""A synthesized cloud assembly (``cdk.out``): its stacks in deployment order, their templates,
and the asset folders the templates point at (by the object key CDK would have published)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class AssemblyError(RuntimeError):
    pass


@dataclass
class Stack:
    id: str
    name: str
    account: str
    region: str
    template: dict[str, Any]
    dependencies: list[str]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})


@dataclass
class Assembly:
    root: Path
    stacks: list[Stack]  # in deployment order
    assets: dict[str, Path] = field(default_factory=dict)  # published object key -> local file or folder

    @property
    def account(self) -> str:
        return self.stacks[0].account

    @property
    def region(self) -> str:
        return self.stacks[0].region

    def asset(self, s3_url_or_key: str) -> Path:
        """The local copy of what CDK publishes as ``s3://<assets bucket>/<key>``."""
        key = s3_url_or_key.rsplit("/", 1)[-1]
        if key not in self.assets:
            raise AssemblyError(f"no asset {s3_url_or_key} in {self.root}")
        return self.assets[key]


def catalog_prefix(assembly: Assembly) -> str:
    """The stage's catalog prefix (``dev_``; "" for a stage with the plain names), as its templates hand it
    to the Lambda functions (``LAKE_CATALOG_PREFIX``) and Glue jobs (``--lake_catalog_prefix``)."""
    from lake.namespace import ENV

    found = set()
    for stack in assembly.stacks:
        for res in stack.resources.values():
            props = res.get("Properties", {})
            if res.get("Type") == "AWS::Lambda::Function":
                found.add(props.get("Environment", {}).get("Variables", {}).get(ENV, ""))
            elif res.get("Type") == "AWS::Glue::Job":
                found.add(props.get("DefaultArguments", {}).get("--lake_catalog_prefix", ""))
    named = sorted(p for p in found if isinstance(p, str) and p)
    return named[0] if named else ""


def load(root: Path) -> Assembly:
    manifest_path = root / "manifest.json"
    if not manifest_path.exists():
        raise AssemblyError(f"{root}: not a cloud assembly (no manifest.json)")
    artifacts = json.loads(manifest_path.read_text())["artifacts"]
    stacks: dict[str, Stack] = {}
    assets: dict[str, Path] = {}
    for art_id, art in artifacts.items():
        props = art.get("properties", {})
        if art["type"] == "aws:cloudformation:stack":
            _, _, env = art["environment"].partition("aws://")
            account, region = env.split("/")
            stacks[art_id] = Stack(art_id, props.get("stackName", art_id), account, region,
                                   json.loads((root / props["templateFile"]).read_text()),
                                   [d for d in art.get("dependencies", []) if d in artifacts
                                    and artifacts[d]["type"] == "aws:cloudformation:stack"])
        elif art["type"] == "cdk:asset-manifest":
            files = json.loads((root / props["file"]).read_text()).get("files", {})
            for entry in files.values():
                for dest in entry["destinations"].values():
                    assets[dest["objectKey"]] = root / entry["source"]["path"]
    return Assembly(root, _deployment_order(stacks), assets)


def _deployment_order(stacks: dict[str, Stack]) -> list[Stack]:
    done: list[Stack] = []
    seen: set[str] = set()

    def visit(sid: str) -> None:
        if sid in seen:
            return
        seen.add(sid)
        for dep in stacks[sid].dependencies:
            visit(dep)
        done.append(stacks[sid])

    for sid in stacks:
        visit(sid)
    return done


def synthesize(repo: Path, outdir: Path, context: dict[str, Any] | None = None) -> Assembly:
    """``python app.py`` into ``outdir`` (the CDK CLI's way: CDK_OUTDIR, and CDK_CONTEXT_JSON for
    ``-c key=value``), then load it."""
    env = dict(os.environ, CDK_OUTDIR=str(outdir), JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
               PYTHONPATH=str(repo))
    if context:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    proc = subprocess.run([sys.executable, "app.py"], cwd=repo, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssemblyError(f"synth failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return load(outdir)
