"""app.py: bad zone config or settings fail the synth with every problem listed, exit 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import SettingsError, load_settings
from tests.infra.conftest import ROOT, cdk_context


def test_bad_zone_config_fails_synth_listing_problems(tmp_path: Path) -> None:
    zones = tmp_path / "zones"
    shutil.copytree(ROOT / "insight_zones", zones)
    zone_file = zones / "finance" / "zone.yaml"
    zone_file.write_text(zone_file.read_text().replace("readers:", "raeders:"))
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "CDK_CONTEXT_JSON": f'{{"lake:zonesDir": "{zones}"}}',
                                 "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20"}, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "raeders" in result.stderr and "unknown key" in result.stderr


def test_unknown_stage_is_a_settings_error() -> None:
    import aws_cdk as cdk

    app = cdk.App(context=cdk_context(**{"lake:stage": "qa"}))
    with pytest.raises(SettingsError, match="lake:stage 'qa'"):
        load_settings(app)


def test_command_line_strings_are_parsed() -> None:
    import aws_cdk as cdk

    app = cdk.App(context=cdk_context(**{"lake:allowDestroy": "true", "lake:stage": "prod"}))
    s = load_settings(app)
    assert s.allow_destroy is True and s.env.account == "222222222222" and s.prefix == "InsightLake-prod"
