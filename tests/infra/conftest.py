"""Synthesize the lake once per test session: each synth costs seconds of jsii."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import aws_cdk as cdk  # noqa: E402
import pytest  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.composer import Lake, build  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def cdk_context(**overrides: object) -> dict:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {**context, **overrides}


def synth(tmp: Path, **context: object) -> tuple[Lake, dict[str, Template]]:
    app = cdk.App(outdir=str(tmp), context=cdk_context(**context))
    lake = build(app)
    app.synth()  # runs cdk-nag: raises if any finding is unacknowledged
    stacks = lake.stacks
    return lake, {s.node.id: Template.from_stack(s) for s in stacks}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, dict[str, Template]]:
    return synth(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def lake(synthesized: tuple[Lake, dict[str, Template]]) -> Lake:
    return synthesized[0]


@pytest.fixture(scope="session")
def templates(synthesized: tuple[Lake, dict[str, Template]]) -> dict[str, Template]:
    return synthesized[1]


@pytest.fixture(scope="session")
def storage(templates: dict[str, Template]) -> Template:
    return templates["Storage"]


@pytest.fixture(scope="session")
def fifty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, dict[str, Template]]:
    """50 generated zones of 10 datasets each (the most the zone LF-tag allows), synthesized once."""
    from lake.config import load_config
    from tests.infra.zonegen import generate

    root = generate(tmp_path_factory.mktemp("zones50") / "insight_zones", zones=50, datasets=10)
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out.50")), context=cdk_context())
    lake = build(app, cfg=load_config(root))
    app.synth()  # cdk-nag included
    return lake, {s.node.id: Template.from_stack(s) for s in lake.stacks}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: synthesizes a large generated lake (still runs in CI)")
