"""Drill: a steward rejects a promotion waiting for approval. The deployment is synthesized from a
copy of the repository in which finance's cost centers need a steward's approval (a copy of the
repository, not just of the zone config: the functions' code asset ships the repository's
``insight_zones``, whatever ``lake:zonesDir`` the synth was given)."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from lake.twin import scenario
from lake.twin.assembly import synthesize
from lake.twin.twin import Twin
from tests.lambdas.test_approval import make_manual
from tests.twin import drills
from tests.twin.conftest import REPO


@pytest.fixture(scope="module")
def rejected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("drill-approval")
    repo = work / "repo"
    repo.mkdir()
    for f in ("app.py", "cdk.json", "requirements.txt", "requirements-dev.txt", "pyproject.toml"):
        shutil.copy(REPO / f, repo / f)
    for d in ("infra", "lake", "lambdas", "glue_jobs", "insight_zones"):
        shutil.copytree(REPO / d, repo / d, ignore=shutil.ignore_patterns("__pycache__"))
    zones = repo / "insight_zones"
    make_manual(zones)
    assembly = synthesize(repo, work / "cdk.out")
    twin = Twin.start(assembly, work / "twin")
    out: dict[str, Any] = {}
    try:
        scenario.drop(twin, [drills.sample(work, "cost_centers")])
        twin.settle()
        out["waiting"] = [e for e in twin.executions() if e["status"] == "RUNNING"]
        # The steward: `lake reject finance/cost_centers --reason ...` with the deployment's settings.
        from lake.approvals import decide
        from lake.runtime.context import context_from_env

        env = {k: scenario.deployment_setting(twin, k) for k in ("LEDGER_TABLE", "RECORDS_TABLE",
                                                                 "ALERT_TOPIC_ARN_PATTERN", "STAGING_BUCKET")}
        saved = {k: os.environ.get(k) for k in [*env, "LAKE_BACKEND", "LAKE_CONFIG", "LAKE_HOME"]}
        os.environ.update(env, LAKE_BACKEND="aws", LAKE_CONFIG=str(zones), LAKE_HOME=str(work / "steward"))
        try:
            alerts_before = len(twin.deliveries.items)
            out["decided"] = decide(context_from_env(), "finance/cost_centers", "rejected", reason="wrong export",
                                    tasks=twin.client("stepfunctions", "steward"))
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        twin.settle()
        out["executions"] = twin.executions()
        out["ledger"] = [r for r in drills.ledger(twin) if r.dataset == "cost_centers"]
        out["alerts"] = twin.deliveries.items[alerts_before:]
        out["glue_runs"] = list(twin.glue.runs)
    finally:
        twin.stop()  # before the tests: moto's state is per process, one twin at a time
    return out


@pytest.mark.slow
def test_the_promotion_waits_for_the_steward(rejected: dict[str, Any]) -> None:
    assert len(rejected["waiting"]) == 1 and len(rejected["decided"]) == 1


@pytest.mark.slow
def test_a_rejection_stops_the_promotion_and_the_files_stay_staged(rejected: dict[str, Any]) -> None:
    assert [e["status"] for e in rejected["executions"]] == ["SUCCEEDED"]  # RejectedNothingToPromote
    assert rejected["glue_runs"] == []  # to_ods never ran
    assert [(r.outcome, bool(r.promoted_at)) for r in rejected["ledger"]] == [("staged", False)]
    told = {d.endpoint for d in rejected["alerts"] if "rejected by a steward" in (d.subject or "") + d.message}
    assert told  # the zone's subscribers are told why
