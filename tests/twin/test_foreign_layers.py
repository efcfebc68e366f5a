"""A dependency layer built by `make lambda-deps` (Lambda's arm64 wheels) cannot be loaded on an
x86-64 machine: the twin takes those packages from this machine's environment instead of putting
the layer first on every function's path, where each import of a compiled package would fail."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from lake.twin.functions import foreign_wheels


def wheel(site: Path, name: str, tag: str) -> None:
    info = site / f"{name}.dist-info"
    info.mkdir(parents=True)
    (info / "WHEEL").write_text(f"Wheel-Version: 1.0\nGenerator: pip\nRoot-Is-Purelib: false\nTag: {tag}\n")


@pytest.mark.parametrize(("machine", "foreign"), [("x86_64", True), ("aarch64", False)])
def test_arm64_wheels_are_foreign_on_x86(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, machine: str,
                                         foreign: bool) -> None:
    monkeypatch.setattr(platform, "machine", lambda: machine)
    wheel(tmp_path, "pydantic_core-2.33.2", "cp312-cp312-manylinux_2_17_aarch64")
    wheel(tmp_path, "typing_extensions-4.14.0", "py3-none-any")
    assert (foreign_wheels(tmp_path) == "cp312-cp312-manylinux_2_17_aarch64") is foreign


def test_x86_wheels_are_foreign_on_arm64(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    wheel(tmp_path, "orjson-3.10.0", "cp311-cp311-manylinux_2_17_x86_64")
    assert foreign_wheels(tmp_path) == "cp311-cp311-manylinux_2_17_x86_64"


def test_pure_python_and_placeholder_layers_load(tmp_path: Path) -> None:
    wheel(tmp_path, "typing_extensions-4.14.0", "py3-none-any")
    assert foreign_wheels(tmp_path) is None
    assert foreign_wheels(tmp_path / "missing") is None
