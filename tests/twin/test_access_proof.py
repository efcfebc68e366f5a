"""The access proof on the synthesized templates: the calls AWS makes for the deployment (alarms, rule
targets, dead letters, state machine tasks, backups, Athena queries) and, with a twin run, every
recorded call, decided against the templates' policies. The fast tests resolve the templates without
moto (``physical.replay``); the slow ones share the session's twin run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from lake.twin.access.physical import replay
from lake.twin.access.proof import Proof, evaluate
from lake.twin.assembly import Assembly, load
from lake.twin.catalog import glue_table_event
from lake.twin.eventpattern import matches


@pytest.fixture(scope="module")
def proof(assembly: Assembly) -> Proof:
    return evaluate(replay(assembly), [])


def failures(proof: Proof, about: str) -> list[str]:
    return [f for f in proof.failures if about in f]


def test_the_templates_allow_every_call_aws_makes_for_them(proof: Proof) -> None:
    assert proof.failures == [] and proof.unknown == []
    assert proof.checked > 200


def test_every_alarm_can_notify_its_topic(proof: Proof) -> None:
    assert failures(proof, "→ SNS as cloudwatch.amazonaws.com") == []


def test_backups_can_back_up_and_restore_the_buckets(proof: Proof) -> None:
    assert failures(proof, "backup selection") == []


def test_athena_readers_can_run_a_query(proof: Proof) -> None:
    assert failures(proof, "athena-query:") == []


def test_functions_run_by_rules_can_dead_letter(proof: Proof) -> None:
    assert failures(proof, "asynchronous dead letters") == []


def test_the_governor_hears_of_created_and_updated_tables(assembly: Assembly) -> None:
    dep = replay(assembly)
    governor = next(f for f in dep.of_type("AWS::Lambda::Function") if "Governor" in f.logical_id)
    patterns = [r.properties["EventPattern"] for r in dep.of_type("AWS::Events::Rule")
                if "EventPattern" in r.properties
                and any(t["Arn"] == governor.attrs["Arn"] for t in r.properties["Targets"])]
    for change in ("CreateTable", "UpdateTable"):
        event = glue_table_event(assembly.account, assembly.region, "finance_ods", "expenses", change)
        assert any(matches(p, event) for p in patterns), f"no rule sends Glue's {change} event to the governor"


def _without(assembly_root: Path, tmp: Path, stack: str, logical_prefix: str, action: str) -> Path:
    """A copy of the cloud assembly whose ``logical_prefix…`` policy lacks the statement granting ``action``."""
    copy = tmp / "cdk.out"
    shutil.copytree(assembly_root, copy)
    template = copy / f"{stack}.template.json"
    doc = json.loads(template.read_text())
    policy = next(r for lid, r in doc["Resources"].items()
                  if lid.startswith(logical_prefix) and r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"))
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    kept = [s for s in statements if action not in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert len(kept) == len(statements) - 1
    policy["Properties"]["PolicyDocument"]["Statement"] = kept
    template.write_text(json.dumps(doc))
    return copy


def test_a_statement_removed_from_a_template_fails_the_proof(assembly: Assembly, proof: Proof,
                                                             tmp_path: Path) -> None:
    broken = load(_without(assembly.root, tmp_path, "Zone-finance", "PromotionStateMachineEventsRole",
                           "states:StartExecution"))
    new = [f for f in evaluate(replay(broken), []).failures if f not in proof.failures]
    assert len(new) == 1
    assert new[0].startswith("rule Zone-finance/PromotionOnStaged")
    assert "→ Step Functions as role Zone-finance/PromotionStateMachineEventsRole" in new[0]
    assert "needs Allow states:StartExecution on arn:aws:states:" in new[0]


@pytest.mark.slow
def test_every_recorded_call_is_allowed(twin_report) -> None:  # noqa: ANN001
    assert [p for p in twin_report.problems if p.startswith("access")] == []


@pytest.mark.slow
def test_a_removed_statement_fails_the_recorded_calls(twin_report, assembly: Assembly, tmp_path: Path) -> None:  # noqa: ANN001
    """The run's own calls, re-decided against a copy of the templates (no second twin run)."""
    calls = json.loads(twin_report.calls_file.read_text())["calls"]
    saved = twin_report.calls_file.parent / "deployment.json"
    broken = load(_without(assembly.root, tmp_path, "Pipeline", "ReceiverRoleDefaultPolicy", "s3:GetObject"))
    proof = evaluate(replay(broken, saved), calls)
    receiver = [f for f in proof.failures if f.startswith("lambda:Pipeline/Receiver") and "s3:GetObject" in f]
    assert receiver and re.search(r"needs Allow s3:GetObject(Version)? on arn:aws:s3:::", receiver[0]), receiver
    assert "in role Pipeline/ReceiverRole" in receiver[0]


def test_the_unused_table_replaces_only_its_part_of_the_readme(proof: Proof, tmp_path: Path) -> None:
    from lake.twin.access.unused import END, START, keys, write_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"# Lake\nbefore\n{START}\nold table\n{END}\nafter\n")
    write_readme(proof, readme)
    text = readme.read_text()
    assert text.startswith("# Lake\nbefore\n") and text.endswith(f"{END}\nafter\n") and "old table" not in text
    assert text.count("\n| ") == len(keys(proof)) + 1  # header row + one per unused statement


@pytest.mark.slow
def test_each_unused_statement_kept_has_a_reason(twin_report) -> None:  # noqa: ANN001
    from lake.twin.access.unused import unexplained

    assert unexplained(twin_report.access) == []


def test_lake_twin_exits_1_naming_the_denied_call(assembly: Assembly, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from lake.twin import run
    from lake.twin.compare import Line

    broken = load(_without(assembly.root, tmp_path, "Zone-finance", "PromotionStateMachineEventsRole",
                           "states:StartExecution"))
    proof = evaluate(replay(broken), [])
    report = run.Report(problems=proof.problems(), lines=[Line("table", "t", True)], access=proof)
    monkeypatch.setattr(run, "run_twin", lambda *a, **k: report)
    assert run.main(None) == 1
    out = capsys.readouterr()
    assert "== Access proof" in out.out and "DENIED  access: rule Zone-finance/PromotionOnStaged" in out.out
    assert "states:StartExecution on arn:aws:states:" in out.err


# Issue 15's five defects, each fix undone in a copy of the synthesized templates: the proof (or, for the
# rule, its event pattern) catches each one again. (stack, edit, what the new failure names)
def _drop_sid(sid: str, kind: str) -> Any:
    def edit(resources: dict[str, Any]) -> int:
        n = 0
        for r in resources.values():
            if r["Type"] == kind:
                doc = r["Properties"]["PolicyDocument"]
                kept = [s for s in doc["Statement"] if s.get("Sid") != sid]
                n += len(doc["Statement"]) - len(kept)
                doc["Statement"] = kept
        return n
    return edit


def _backup_without_s3_policies(resources: dict[str, Any]) -> int:
    n = 0
    for lid, r in resources.items():
        if r["Type"] == "AWS::IAM::Role" and lid.startswith("BackupsPlan"):
            arns = r["Properties"]["ManagedPolicyArns"]
            kept = [a for a in arns if "ForS3" not in json.dumps(a)]
            n += len(arns) - len(kept)
            r["Properties"]["ManagedPolicyArns"] = kept
    return n


def _location_under_prefix(resources: dict[str, Any]) -> int:
    """The readers' s3:GetBucketLocation back in the statement conditioned on s3:prefix."""
    n = 0
    for lid, r in resources.items():
        if lid.startswith("AthenaReaderPolicy"):
            statements = r["Properties"]["PolicyDocument"]["Statement"]
            location = [s for s in statements if s["Action"] == "s3:GetBucketLocation"]
            for s in statements:
                if s["Action"] == "s3:ListBucket" and "s3:prefix" in json.dumps(s.get("Condition", {})):
                    s["Action"] = ["s3:GetBucketLocation", "s3:ListBucket"]
                    n += 1
            r["Properties"]["PolicyDocument"]["Statement"] = [s for s in statements if s not in location]
    return n


UNDONE = {
    "alarms cannot notify": ("Zone-finance", _drop_sid("CloudWatchAlarmsPublish", "AWS::SNS::TopicPolicy"),
                             "→ SNS as cloudwatch.amazonaws.com"),
    "backups of S3 without the S3 policies": ("Storage", _backup_without_s3_policies, "backup selection"),
    "readers' location under s3:prefix": ("Zone-finance", _location_under_prefix,
                                          "s3:GetBucketLocation on arn:aws:s3:::"),
    "dead letters without their key": ("Pipeline", _drop_sid("DeadLettersKey", "AWS::IAM::Policy"),
                                       "asynchronous dead letters"),
}


@pytest.mark.parametrize("defect", sorted(UNDONE))
def test_each_defect_of_the_issue_is_caught_again_when_its_fix_is_undone(assembly: Assembly, proof: Proof,
                                                                         tmp_path: Path, defect: str) -> None:
    stack, edit, named = UNDONE[defect]
    copy = tmp_path / "cdk.out"
    shutil.copytree(assembly.root, copy)
    template = copy / f"{stack}.template.json"
    doc = json.loads(template.read_text())
    assert edit(doc["Resources"]) > 0, "the fix is not where the test looks for it"
    template.write_text(json.dumps(doc))
    new = [f for f in evaluate(replay(load(copy)), []).failures if f not in proof.failures]
    assert new and all(named in f for f in new), new


def test_the_governor_misses_created_tables_when_the_rule_fix_is_undone(assembly: Assembly) -> None:
    """The fifth defect: the rule's pattern without Glue's Database State Change (CreateTable's type)."""
    dep = replay(assembly)
    [rule] = [r for r in dep.of_type("AWS::Events::Rule") if "Glue Data Catalog Table State Change"
              in r.properties.get("EventPattern", {}).get("detail-type", [])]
    old = {**rule.properties["EventPattern"], "detail-type": ["Glue Data Catalog Table State Change"]}
    created = glue_table_event(assembly.account, assembly.region, "finance_ods", "expenses", "CreateTable")
    assert matches(rule.properties["EventPattern"], created) and not matches(old, created)


@pytest.mark.slow
def test_readmes_unused_table_is_what_lake_twin_unused_writes(twin_report) -> None:  # noqa: ANN001
    """README's table is generated (``lake twin --unused``), never edited: it still equals the run's."""
    from lake.twin.access.unused import END, START, table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert readme.split(START, 1)[1].split(END, 1)[0].strip() == table(twin_report.access)


def test_eventbridge_deliveries_are_decided_per_rule_and_its_starts_as_the_target_role(assembly: Assembly,
                                                                                      proof: Proof) -> None:
    from lake.twin.access.principals import for_component

    dep = replay(assembly)
    queue = next(q.ref for q in dep.of_type("AWS::SQS::Queue"))
    assert for_component(dep, proof.policies, "events", {"QueueUrl": queue}) is None  # derived per rule
    machine = next(m.attrs["Arn"] for m in dep.of_type("AWS::StepFunctions::StateMachine")
                   if m.logical_id.startswith("Promotion"))
    who = for_component(dep, proof.policies, "events", {"stateMachineArn": machine})
    assert who is not None and who.arns and not who.problem
