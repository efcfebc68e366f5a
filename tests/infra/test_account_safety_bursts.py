"""Promotions of one table serialized and coalesced, as the synthesized state machine does it (the
drill that runs it: tests/twin/test_bursts.py)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.promotion_coalescing import CONFLICT, MAX_ROUNDS


def definition(t: Template) -> dict[str, Any]:
    sm = next(iter(t.find_resources("AWS::StepFunctions::StateMachine").values()))["Properties"]
    parts = sm["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "1" for p in parts))


def test_a_staged_file_waits_for_the_ledger_and_skips_an_ingest_already_promoted(templates: dict) -> None:
    states = definition(templates["Zone-finance"])["States"]
    assert states["DatasetFromKey"]["Next"] == "ReadIngest"
    read = states["ReadIngest"]
    assert read["Resource"].endswith(":states:::dynamodb:getItem") and read["Parameters"]["ConsistentRead"]
    choices = states["IngestState"]["Choices"]
    assert [c.get("Variable") for c in choices] == ["$.handover", "$.ingest.Item.promoted_at",
                                                    "$.ingest.Item.staged_key", "$.promotion.waits"]
    assert states[choices[1]["Next"]]["Type"] == "Succeed"  # already promoted: no Glue run
    assert states["IngestState"]["Default"] == "WaitForTheLedger"


def test_one_runner_per_table_and_a_rerun_when_files_came_meanwhile(templates: dict) -> None:
    states = definition(templates["Zone-finance"])["States"]
    request = states["RequestPromotion"]["Parameters"]
    assert request["UpdateExpression"] == "SET runner = if_not_exists(runner, :me) ADD requests :one"
    assert states["RunnerOfTheTable"]["Choices"][0]["StringEqualsPath"] == "$.promotion.me"
    assert states[states["RunnerOfTheTable"]["Default"]]["Type"] == "Succeed"  # coalesced
    assert states["NoteRequestsSeen"]["Next"] == "PromoteToOds"
    release = states["ReleaseTable"]
    assert release["Parameters"]["ConditionExpression"] == "runner = :me AND requests = seen"
    assert release["Catch"] == [{"ErrorEquals": [CONFLICT], "ResultPath": None, "Next": "NextRound"}]
    assert states["TooManyRounds"]["Choices"][0]["NumericGreaterThanEquals"] == MAX_ROUNDS
    assert states["PromoteToOds"]["Catch"][0]["Next"] == "ReleaseTableAfterFailure"  # never leaves it held


def test_the_state_machine_may_update_only_through_its_grants_and_is_named_per_stage(templates: dict) -> None:
    t = templates["Zone-finance"]
    sm = next(iter(t.find_resources("AWS::StepFunctions::StateMachine").values()))["Properties"]
    assert sm["StateMachineName"] == "InsightLake-dev-finance-promotion"
    policies = json.dumps([p["Properties"]["PolicyDocument"] for p in t.find_resources("AWS::IAM::Policy").values()])
    for action in ("dynamodb:GetItem", "dynamodb:UpdateItem", "states:startExecution"):
        assert action in policies, action
    assert '"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"' in policies
