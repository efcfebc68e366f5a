"""``lake forget --target aws``: submit an erasure request to the deployed lake.

The request (subject kind, raw value) is written to ``_erasure/requests/<request_id>.json`` in the
landing bucket, KMS-encrypted, and the erasure state machine is started with only
``{"request_id", "request_key"}``: the raw value never appears in the execution history or the
Glue job arguments. The erasure job deletes the request object when it is done; old versions
under ``_erasure/requests/`` expire within a day, an unconsumed request after 30 days.

Where the deployment is: ``LAKE_ERASURE_STATE_MACHINE_ARN`` and ``LANDING_BUCKET`` (and optionally
``LAKE_KMS_KEY_ID``) in the environment, as ``lake query --target aws`` reads
``ATHENA_WORKGROUP_PREFIX``; or the pipeline stack's outputs (``targets_from_stack``).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lake.config.personal_data import ERASURE_REQUESTS

ENV_STATE_MACHINE = "LAKE_ERASURE_STATE_MACHINE_ARN"
ENV_LANDING = "LANDING_BUCKET"
ENV_KMS_KEY = "LAKE_KMS_KEY_ID"
OUTPUTS = {"state_machine_arn": "ErasureStateMachineArn", "landing_bucket": "LandingBucketName"}


@dataclass(frozen=True)
class Targets:
    state_machine_arn: str
    landing_bucket: str
    kms_key_id: str | None = None


def targets_from_env(env: Mapping[str, str] | None = None) -> Targets:
    """Raises KeyError naming the first variable that is missing."""
    env = os.environ if env is None else env
    return Targets(env[ENV_STATE_MACHINE], env[ENV_LANDING], env.get(ENV_KMS_KEY) or None)


def pipeline_stack_name(stage: str) -> str:
    return f"InsightLake-{stage}-Pipeline"  # infra/composer.py stack_name(settings, "Pipeline")


def targets_from_stack(stack_name: str, cloudformation: Any | None = None) -> Targets:
    """The pipeline stack's outputs (``ErasureStateMachineArn``, ``LandingBucketName``)."""
    import boto3

    cfn = cloudformation or boto3.client("cloudformation")
    [stack] = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    missing = [key for key in OUTPUTS.values() if key not in outputs]
    if missing:
        raise KeyError(f"stack {stack_name} has no output {', '.join(missing)}")
    return Targets(outputs[OUTPUTS["state_machine_arn"]], outputs[OUTPUTS["landing_bucket"]])


def new_request_id(at: datetime | None = None) -> str:
    """Sortable and unique; also the execution's name (letters, digits, '-' only, <= 80 chars)."""
    return f"{(at or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12]}"


def request_key(request_id: str) -> str:
    return f"{ERASURE_REQUESTS}{request_id}.json"


def submit(subject: str, value: str, *, state_machine_arn: str, landing_bucket: str, kms_key_id: str | None,
           s3: Any | None = None, sfn: Any | None = None) -> str:
    """Put the request, start its erasure; the execution ARN.

    ``kms_key_id`` None: the bucket's default encryption (the lake key). Naming ``aws:kms`` without
    a key would pick the account's AWS-managed S3 key instead, so then nothing is sent.
    """
    import boto3

    s3 = s3 or boto3.client("s3")
    sfn = sfn or boto3.client("stepfunctions")
    request_id = new_request_id()
    key = request_key(request_id)
    body = {"request_id": request_id, "subject": subject, "value": value,
            "requested_at": datetime.now(UTC).isoformat(timespec="seconds")}
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
    put = s3.put_object(Bucket=landing_bucket, Key=key, Body=json.dumps(body).encode(),
                        ContentType="application/json", **encryption)
    try:
        started = sfn.start_execution(stateMachineArn=state_machine_arn, name=request_id,
                                      input=json.dumps({"request_id": request_id, "request_key": key}))
    except Exception:
        _withdraw(s3, landing_bucket, key, put.get("VersionId"))
        raise
    return str(started["executionArn"])


def _withdraw(s3: Any, bucket: str, key: str, version: str | None) -> None:
    """Best effort: the request holds the raw value. Submitters may not delete (only the erasure role
    deletes in landing); then the request expires by lifecycle."""
    with contextlib.suppress(Exception):  # the original error is what the caller must see
        s3.delete_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
