"""The lock files `make` installs from (with --no-deps) must carry every pin of the requirements.

`make demo` and `make test` install requirements.lock / requirements-dev.lock without resolving; a
pin edited in requirements*.txt but not re-locked (`make lock`) would silently install the old one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("-r "):
            out |= pins(path.parent / line[3:].strip())
        elif m := PIN.match(line):
            out[_norm(m[1])] = m[2]
    return out


@pytest.mark.parametrize(("source", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-dev.txt", "requirements-dev.lock")])
def test_lock_holds_every_pin(source: str, lock: str) -> None:
    wanted, locked = pins(ROOT / source), pins(ROOT / lock)
    stale = {n: (v, locked.get(n)) for n, v in wanted.items() if locked.get(n) != v}
    assert not stale, f"{lock} is stale (run `make lock`): {stale}"


def test_dev_lock_keeps_the_runtime_resolution() -> None:
    """make test adds dev pins to make demo's venv: no runtime package may change version."""
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    moved = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert not moved, f"requirements-dev.lock re-resolved runtime packages (run `make lock`): {moved}"
