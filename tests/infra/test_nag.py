"""cdk-nag runs on every synth, and its errors fail it."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from infra import nag
from infra.composer import Lake


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Insecure")
    s3.Bucket(stack, "PlainBucket")  # no logs, no TLS enforcement
    lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                     code=lambda_.Code.from_inline("def handler(e, c): pass"))  # no DLQ, old runtime
    nag.enable(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10", "Serverless-LambdaDLQ"} <= rules


def test_the_lake_synthesizes_with_no_unacknowledged_finding(lake: Lake) -> None:
    # The session fixture's synth would have raised otherwise; check the report says so too.
    outdir = Path(lake.storage.node.root.outdir)  # type: ignore[attr-defined]
    report = json.loads((outdir / "validation-report.json").read_text())
    packs = {p["pluginName"]: p for p in report["pluginReports"] if p["pluginName"] in ("AwsSolutions", "Serverless")}
    assert set(packs) == {"AwsSolutions", "Serverless"}
    for plugin in packs.values():
        assert plugin["violations"] == [], plugin["pluginName"]
        for ack in plugin.get("suppressedViolations", []):
            assert len(ack["reason"]) > 40, ack["ruleName"]  # a reason a reviewer can read
