"""Events as the templates route them.

S3 buckets with EventBridge notifications send moto's real "Object Created" event to every rule;
moto matches each rule's event pattern and delivers SQS targets itself. Targets moto does not
deliver (Step Functions, Lambda) are delivered here. Queues reach functions through the event
source mappings of the templates: batch size, partial batch responses (``batchItemFailures``), the
queue's visibility timeout and redrive policy (moto moves a message to the DLQ after
``maxReceiveCount`` receives). The twin does not wait out a visibility timeout: a message a
function failed on is made visible again at once, as if that time had passed."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from lake.twin import eventpattern
from lake.twin.deploy import Deployment
from lake.twin.functions import Functions


@dataclass
class Mapping:
    queue_url: str
    queue_arn: str
    function: str
    batch_size: int
    partial: bool


def install_targets(functions: Functions, start_execution: Callable[[str, str], None],
                    failures: list[str]) -> Callable[[], None]:
    from moto.events.models import Rule
    from moto.utilities.arns import parse_arn

    original = Rule.send_to_targets  # moto's: SQS only, and a matcher without anything-but

    def send_to_targets(self: Any, event: dict[str, Any], transform_input: bool = True) -> None:
        pattern = self.event_pattern.get_pattern()
        if not pattern or not eventpattern.matches(pattern, json.loads(json.dumps(event, default=str))):
            return  # a scheduled rule (no pattern) fires on its schedule only: Twin.tick
        for target in self.targets:
            payload = json.loads(target["Input"]) if target.get("Input") else event
            arn = parse_arn(target["Arn"])
            try:
                if arn.service == "sqs":
                    self._send_to_sqs_queue(arn.resource_id, dict(payload))
                elif arn.service == "states":
                    start_execution(target["Arn"], json.dumps(payload, default=str))
                elif arn.service == "lambda":
                    inv = functions.invoke(target["Arn"], payload)
                    if not inv.ok:
                        failures.append(f"rule {self.name} -> {target['Arn']}: {inv.error}")
                else:
                    raise NotImplementedError(f"{arn.service} targets are not modelled by the twin")
            except Exception as err:  # EventBridge would retry, then send to the target's DLQ
                failures.append(f"rule {self.name} -> {target['Arn']}: {err}")

    setattr(Rule, "send_to_targets", send_to_targets)  # noqa: B010 - patching moto

    def restore() -> None:
        setattr(Rule, "send_to_targets", original)  # noqa: B010

    return restore


def mappings(dep: Deployment) -> list[Mapping]:
    out = []
    for res in dep.of_type("AWS::Lambda::EventSourceMapping"):
        p = res.properties
        queue = dep.by_arn(p["EventSourceArn"])
        if queue is None or queue.type != "AWS::SQS::Queue":
            continue
        out.append(Mapping(queue.ref, queue.attrs["Arn"], p["FunctionName"], int(p.get("BatchSize", 10)),
                           "ReportBatchItemFailures" in p.get("FunctionResponseTypes", [])))
    return out


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": region} for m in messages]}


class Poller:
    """Lambda's SQS poller for every event source mapping."""

    def __init__(self, dep: Deployment, functions: Functions, region: str) -> None:
        self.maps = mappings(dep)
        self.functions = functions
        self.region = region
        self.sqs = boto3.client("sqs", region_name=region)
        self.failed_batches: list[str] = []

    def poll_once(self) -> int:
        """One receive per mapping; returns how many messages were handed to functions."""
        handled = 0
        for m in self.maps:
            got = self.sqs.receive_message(QueueUrl=m.queue_url, MaxNumberOfMessages=min(m.batch_size, 10),
                                           AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not got:
                continue
            handled += len(got)
            inv = self.functions.invoke(m.function, sqs_event(got, m.queue_arn, self.region))
            if not inv.ok:
                self.failed_batches.append(f"{m.function}: {inv.error}")
                failed = {x["MessageId"] for x in got}
            elif m.partial and isinstance(inv.result, dict):
                failed = {f["itemIdentifier"] for f in inv.result.get("batchItemFailures", [])}
            else:
                failed = set()
            for msg in got:
                if msg["MessageId"] in failed:  # visible again "after the visibility timeout"
                    self.sqs.change_message_visibility(QueueUrl=m.queue_url, ReceiptHandle=msg["ReceiptHandle"],
                                                       VisibilityTimeout=0)
                else:
                    self.sqs.delete_message(QueueUrl=m.queue_url, ReceiptHandle=msg["ReceiptHandle"])
        return handled


def execution_name() -> str:
    return uuid.uuid4().hex  # EventBridge names its executions with a random id
