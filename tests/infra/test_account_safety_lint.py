"""cfn-lint on every synthesized template: no error; each warning acknowledged by id with a reason
in infra/cfn_lint.yaml. One cfn-lint pass over the session's assembly (it takes a while: slow)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from aws_cdk import Stage

from infra.composer import Lake
from infra.settings import ROOT

ACKS = ROOT / "infra" / "cfn_lint.yaml"


@pytest.fixture(scope="module")
def findings(lake: Lake) -> list[tuple[str, str, str]]:
    from cfnlint.api import ManualArgs, lint_file

    out = []
    outdir = Path(Stage.of(lake.storage).outdir)  # type: ignore[union-attr]
    for stack in lake.stacks:
        template = outdir / stack.template_file
        for m in lint_file(template, config=ManualArgs(regions=[stack.region])):
            out.append((m.rule.id, f"{template.name}:{m.linenumber}", m.message))
    return out


def acknowledged() -> dict[str, str]:
    acks = yaml.safe_load(ACKS.read_text())
    assert all(str(a.get("reason", "")).strip() for a in acks.values()), "every acknowledgment needs a reason"
    return {k: v["reason"] for k, v in acks.items()}


@pytest.mark.slow
def test_cfn_lint_finds_no_error(findings: list[tuple[str, str, str]]) -> None:
    errors = [f for f in findings if f[0].startswith("E")]
    assert not errors, "\n".join(map(str, errors))


@pytest.mark.slow
def test_every_warning_is_acknowledged_with_a_reason_and_no_acknowledgment_is_stale(
        findings: list[tuple[str, str, str]]) -> None:
    acks = acknowledged()
    warnings = [f for f in findings if f[0].startswith("W")]
    unacknowledged = [f for f in warnings if f[0] not in acks]
    assert not unacknowledged, "acknowledge in infra/cfn_lint.yaml, with a reason:\n" + "\n".join(
        map(str, unacknowledged))
    assert set(acks) <= {f[0] for f in warnings}, f"stale: {set(acks) - {f[0] for f in warnings}}"
