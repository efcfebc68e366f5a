"""The Python dependencies the Lambda functions need beyond the managed layers.

Powertools (with pydantic) and the AWS SDK for pandas (pyarrow, pandas, boto3) are AWS-managed
layers; the platform core also needs a few pure or manylinux packages (PyYAML, jsonschema,
sqlglot, the ODCS schema). They are installed with pip for the functions' platform
(``manylinux2014_aarch64``, CPython of the runtime) into ``build/lambda-deps/<hash>/python``:
a plain folder asset, no Docker.

``python -m infra.lambda_deps`` builds it (CI runs it before ``cdk deploy``). A synth without
it uses an empty placeholder layer and warns, so tests and reviews synthesize offline;
``-c lake:requireLambdaDeps=true`` (the deploy workflow) turns the warning into an error.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from infra.settings import ROOT

PACKAGES = ("PyYAML", "jsonschema", "sqlglot", "open-data-contract-standard", "pydantic")
PYTHON_VERSION = "3.14"  # keep in step with the functions' runtime (infra/constructs/lake_function.py)
PLATFORM = "manylinux2014_aarch64"
BUILD = ROOT / "build" / "lambda-deps"
PLACEHOLDER = Path(__file__).parent / "lambda_deps_placeholder"


def pinned(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """``{name: version}`` of requirements.txt's ``name==version`` lines: one source of truth."""
    found = {}
    for line in requirements.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if m:
            found[m.group(1).lower()] = m.group(2)
    return found


def pins(requirements: Path = ROOT / "requirements.txt") -> list[str]:
    found = pinned(requirements)
    return [f"{p}=={found[p.lower()]}" if p.lower() in found else p for p in PACKAGES]


def target(requirements: Path = ROOT / "requirements.txt") -> Path:
    digest = hashlib.sha256("\n".join([PLATFORM, PYTHON_VERSION, *pins(requirements)]).encode()).hexdigest()[:16]
    return BUILD / digest


def built() -> Path | None:
    t = target()
    return t if (t / "python").is_dir() else None


def build(into: Path | None = None) -> Path:
    """Build the layer under build/ (what a synth ships), or into a folder of its own (``into``: measured
    by the tests without changing what the next synth, e.g. the twin's, picks up)."""
    t = into or target()
    if (t / "python").is_dir():
        return t
    tmp = t.with_suffix(".tmp")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(tmp / "python"),
                    "--platform", PLATFORM, "--implementation", "cp", "--python-version", PYTHON_VERSION,
                    "--only-binary=:all:", "--upgrade", *pins()], check=True)
    tmp.rename(t)
    return t


if __name__ == "__main__":
    print(build())
