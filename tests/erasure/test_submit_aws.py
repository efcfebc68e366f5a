"""``lake forget --target aws`` submission under moto (S3, KMS, Step Functions, CloudFormation)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from lake.erasure.aws import (
    Targets,
    pipeline_stack_name,
    request_key,
    submit,
    targets_from_env,
    targets_from_stack,
)

VALUE = "jane.doe@example.com"


class Recording:
    """A boto3 client that remembers each call's arguments."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return method(**kwargs)
        return call


@pytest.fixture
def deployed(aws: None):  # noqa: ANN201
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="landing", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="landing", VersioningConfiguration={"Status": "Enabled"})
    key = boto3.client("kms").create_key(Description="lake key")["KeyMetadata"]["KeyId"]
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="erasure", roleArn="arn:aws:iam::123456789012:role/erasure",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))["stateMachineArn"]
    yield {"s3": s3, "sfn": sfn, "kms_key": key, "state_machine": arn}


def test_the_value_goes_to_an_encrypted_request_object_and_only_ids_to_the_execution(deployed: dict) -> None:
    sfn = Recording(deployed["sfn"])
    execution = submit("person_email", VALUE, state_machine_arn=deployed["state_machine"], landing_bucket="landing",
                       kms_key_id=deployed["kms_key"], s3=deployed["s3"], sfn=sfn)

    [(_, started)] = sfn.calls
    given = json.loads(started["input"])
    request_id = given["request_id"]
    assert given == {"request_id": request_id, "request_key": f"_erasure/requests/{request_id}.json"}
    assert started["name"] == request_id and VALUE not in started["input"]
    assert deployed["sfn"].describe_execution(executionArn=execution)["name"] == request_id

    obj = deployed["s3"].get_object(Bucket="landing", Key=request_key(request_id))
    assert obj["ServerSideEncryption"] == "aws:kms" and deployed["kms_key"] in obj["SSEKMSKeyId"]
    request = json.loads(obj["Body"].read())
    assert request.keys() == {"request_id", "subject", "value", "requested_at"}
    assert (request["request_id"], request["subject"], request["value"]) == (request_id, "person_email", VALUE)


def test_without_a_key_id_the_bucket_default_applies(deployed: dict) -> None:
    # Asking for aws:kms without a key would use the AWS-managed S3 key, not the lake key.
    s3 = Recording(deployed["s3"])
    submit("person_email", VALUE, state_machine_arn=deployed["state_machine"], landing_bucket="landing",
           kms_key_id=None, s3=s3, sfn=deployed["sfn"])
    [(_, put)] = [c for c in s3.calls if c[0] == "put_object"]
    assert "ServerSideEncryption" not in put and "SSEKMSKeyId" not in put


def test_a_request_that_cannot_start_is_withdrawn(deployed: dict) -> None:
    missing = deployed["state_machine"].replace(":erasure", ":no-such-machine")
    with pytest.raises(deployed["sfn"].exceptions.StateMachineDoesNotExist):
        submit("person_email", VALUE, state_machine_arn=missing, landing_bucket="landing", kms_key_id=None,
               s3=deployed["s3"], sfn=deployed["sfn"])
    versions = deployed["s3"].list_object_versions(Bucket="landing", Prefix="_erasure/requests/")
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")  # the version itself is gone


def test_targets_come_from_the_environment_or_the_pipeline_stack_outputs(deployed: dict) -> None:
    env = {"LAKE_ERASURE_STATE_MACHINE_ARN": deployed["state_machine"], "LANDING_BUCKET": "landing"}
    assert targets_from_env(env) == Targets(deployed["state_machine"], "landing", None)
    with pytest.raises(KeyError, match="LANDING_BUCKET"):
        targets_from_env({"LAKE_ERASURE_STATE_MACHINE_ARN": deployed["state_machine"]})

    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=pipeline_stack_name("dev"), TemplateBody=json.dumps({
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ErasureStateMachineArn": {"Value": deployed["state_machine"]},
                    "LandingBucketName": {"Value": "landing"}}}))
    assert targets_from_stack("InsightLake-dev-Pipeline", cfn) == Targets(deployed["state_machine"], "landing")


def test_lake_forget_target_aws_submits_the_request(deployed: dict, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    from lake.cli import main

    monkeypatch.setenv("LAKE_ERASURE_STATE_MACHINE_ARN", deployed["state_machine"])
    monkeypatch.setenv("LANDING_BUCKET", "landing")
    assert main(["forget", "--target", "aws", "--subject", f"person_email={VALUE}"]) == 0
    assert "erasure submitted: arn:aws:states:" in capsys.readouterr().out
    [obj] = deployed["s3"].list_objects_v2(Bucket="landing", Prefix="_erasure/requests/")["Contents"]
    body = json.loads(deployed["s3"].get_object(Bucket="landing", Key=obj["Key"])["Body"].read())
    assert (body["subject"], body["value"]) == ("person_email", VALUE)


def test_lake_forget_target_aws_names_what_is_missing(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    from lake.cli import main

    monkeypatch.delenv("LAKE_ERASURE_STATE_MACHINE_ARN", raising=False)
    assert main(["forget", "--target", "aws", "--subject", f"person_email={VALUE}"]) == 2
    assert "LAKE_ERASURE_STATE_MACHINE_ARN" in capsys.readouterr().err
