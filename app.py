#!/usr/bin/env python3
"""Insight Lake CDK app: ``npx cdk synth`` (or ``.venv/bin/python app.py``) synthesizes
every stack offline; bad zone config or a cdk-nag finding fails the synth."""

import json
import os
import sys
from pathlib import Path

# Silence jsii's Node.js version banners before the jsii runtime starts (on import).
# The end-of-life one lists the Node major versions to keep quiet about.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import aws_cdk as cdk  # noqa: E402

from infra.composer import build  # noqa: E402
from infra.settings import SettingsError  # noqa: E402
from lake.config import ConfigError  # noqa: E402


def main() -> int:
    # cdk.json's context is the default; the CDK CLI's (cdk.json, -c key=value) wins over it.
    # This keeps `python app.py` working without the CLI.
    defaults = json.loads((Path(__file__).parent / "cdk.json").read_text())["context"]
    app = cdk.App(context=defaults)
    try:
        build(app)
    except (ConfigError, SettingsError) as err:
        print(f"cdk synth: {err}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
