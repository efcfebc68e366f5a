"""Lambda layers: in the order their imports need, and each function's code plus layers under
Lambda's 250 MiB (unzipped), measured on the real asset folders of the session's cloud assembly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from aws_cdk import Stage

from infra import lambda_deps
from infra.composer import Lake
from infra.settings import ROOT

LIMIT_MIB = 250
POWERTOOLS = "{{resolve:ssm:/aws/service/powertools/python/arm64/python3.14/"


def functions(lake: Lake) -> dict[str, dict]:
    outdir = Path(Stage.of(lake.storage).outdir)  # type: ignore[union-attr]
    template = json.loads((outdir / lake.pipeline.template_file).read_text())
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}


def folder_mib(path: Path) -> float:
    return sum(os.path.getsize(Path(d) / f) for d, _, files in os.walk(path) for f in files) / 2**20


def asset(lake: Lake, s3_key: str) -> Path:
    path = Path(Stage.of(lake.storage).outdir) / f"asset.{s3_key.removesuffix('.zip')}"  # type: ignore[union-attr]
    assert path.is_dir(), path
    return path


def test_layers_are_listed_in_the_order_their_imports_need(lake: Lake) -> None:
    fns = functions(lake)
    assert len(fns) == 4
    for name, fn in fns.items():
        layers = fn["Properties"]["Layers"]
        # Powertools first, the SDK for pandas (pyarrow, numpy), and the lake's own dependencies last:
        # Lambda extracts each layer over the previous ones, so the lake's pinned pydantic wins over
        # the copy in Powertools' layer (CDK would sort them: LakeFunction writes the order back).
        assert layers[0].startswith(POWERTOOLS), name
        assert layers[1] == lake.settings.env.sdk_for_pandas_layer, name
        deps = lake.pipeline.code.deps_layer.node.default_child
        assert layers[2] == {"Ref": lake.pipeline.get_logical_id(deps)}, name  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def dependency_layer(lake: Lake, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dependency layer's folder: the assembly's asset when the synth had it built, else the same pip
    build (same pins, platform and Python) made apart (the twin's synth must keep the placeholder:
    its aarch64 binaries do not load here)."""
    path = lambda_deps.built() or lambda_deps.build(into=tmp_path_factory.mktemp("lambda-deps") / "layer")
    return path / "python"


@pytest.mark.slow
def test_each_functions_code_and_layers_fit_in_250_mib_unzipped(lake: Lake, dependency_layer: Path) -> None:
    managed = yaml.safe_load((ROOT / "infra" / "lambda_layers.yaml").read_text())
    outdir = Path(Stage.of(lake.storage).outdir)  # type: ignore[union-attr]
    template_layers = {k: r for k, r in json.loads((outdir / lake.pipeline.template_file).read_text())[
        "Resources"].items() if r["Type"] == "AWS::Lambda::LayerVersion"}
    for name, fn in functions(lake).items():
        code = folder_mib(asset(lake, fn["Properties"]["Code"]["S3Key"]))
        own = [asset(lake, template_layers[layer["Ref"]]["Properties"]["Content"]["S3Key"])
               for layer in fn["Properties"]["Layers"] if isinstance(layer, dict)]
        assert len(own) == 1
        placeholder = folder_mib(own[0]) < 1  # not built for this synth: measure the build instead
        deps = folder_mib(dependency_layer if placeholder else own[0])
        assert deps > 5  # pydantic, sqlglot, jsonschema … a real layer
        total = code + deps + managed["powertools"]["mib"] + managed["sdk_for_pandas"]["mib"]
        print(f"{name}: code {code:.1f} + dependencies {deps:.1f} + Powertools {managed['powertools']['mib']} "
              f"+ SDK for pandas {managed['sdk_for_pandas']['mib']} = {total:.1f} MiB")
        assert total < LIMIT_MIB, f"{name}: {total:.1f} MiB unzipped, Lambda allows {LIMIT_MIB}"
