"""CloudFormation's intrinsic functions as the twin resolves them (no synth needed)."""

from __future__ import annotations

import pytest

from lake.twin.eventpattern import matches
from lake.twin.intrinsics import Scope, Unresolved, references, resolve


def scope() -> Scope:
    s = Scope("Lake-Storage", "111111111111", "eu-west-1", exports={"Lake-Storage:Bucket": "the-bucket"})
    s.refs = {"Queue": "https://sqs/q", "Fn": "fn-name"}
    s.attrs = {"Queue": {"Arn": "arn:aws:sqs:eu-west-1:111111111111:q"}}
    return s


def test_every_intrinsic_the_templates_use() -> None:
    s = scope()
    assert resolve({"Ref": "AWS::Region"}, s) == "eu-west-1"
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}, s).endswith(":q")
    assert resolve({"Fn::Join": ["", ["s3://", {"Fn::ImportValue": "Lake-Storage:Bucket"}, "/finance"]]},
                   s) == "s3://the-bucket/finance"
    assert resolve({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"},
                   s) == "arn:aws:lambda:eu-west-1:111111111111:function:fn-name"
    assert resolve({"Fn::Sub": ["${X}-${Queue.Arn}", {"X": {"Ref": "Fn"}}]},
                   s) == "fn-name-arn:aws:sqs:eu-west-1:111111111111:q"
    assert resolve({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}, s) == "b"
    assert resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}, s) == {"B": 1}


def test_unknown_references_are_reported_and_ordered_by() -> None:
    with pytest.raises(Unresolved):
        resolve({"Ref": "Missing"}, scope())
    with pytest.raises(Unresolved):
        resolve({"Fn::ImportValue": "Other:Export"}, scope())
    expr = {"a": [{"Ref": "X"}, {"Fn::GetAtt": ["Y", "Arn"]}], "b": {"Fn::Sub": "${Z.Arn}-${AWS::Region}"}}
    assert references(expr) == {"X", "Y", "Z"}


def test_event_patterns_as_eventbridge_matches_them() -> None:
    landing = {"source": ["aws.s3"], "detail": {"bucket": {"name": ["landing"]},
                                                "object": {"key": [{"anything-but": {"prefix": "_"}}]}}}
    event = {"source": "aws.s3", "detail": {"bucket": {"name": "landing"}, "object": {"key": "finance/x.csv"}}}
    assert matches(landing, event)
    assert not matches(landing, {**event, "detail": {"bucket": {"name": "landing"},
                                                     "object": {"key": "_quarantine/x.report.json"}}})
    assert not matches(landing, {**event, "source": "aws.glue"})
    assert matches({"detail": {"databaseName": [{"suffix": "_ods"}]}}, {"detail": {"databaseName": "finance_ods"}})
    assert matches({"detail": {"tables": ["a.b"]}}, {"detail": {"tables": ["x.y", "a.b"]}})
    assert not matches({"detail": {"gone": [{"exists": True}]}}, {"detail": {}})
