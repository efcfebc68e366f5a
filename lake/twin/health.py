"""Did every component of the deployment run without an unexpected failure? Failed Lambda
invocations, Glue runs and executions, events no target took, and messages left in dead-letter
queues, each named."""

from __future__ import annotations

from typing import Any

from lake.twin.twin import Twin


def dead_letter_queues(twin: Twin) -> list[Any]:
    targets = {r.properties.get("RedrivePolicy", {}).get("deadLetterTargetArn")
               for r in twin.deployment.of_type("AWS::SQS::Queue")}
    targets |= {r.properties.get("DeadLetterConfig", {}).get("TargetArn")
                for r in twin.deployment.of_type("AWS::Lambda::Function")}
    return [r for r in twin.deployment.of_type("AWS::SQS::Queue") if r.attrs["Arn"] in targets]


def dead_letters(twin: Twin) -> dict[str, int]:
    sqs = twin.client("sqs")
    out = {}
    for q in dead_letter_queues(twin):
        n = int(sqs.get_queue_attributes(QueueUrl=q.ref, AttributeNames=["ApproximateNumberOfMessages"])
                ["Attributes"]["ApproximateNumberOfMessages"])
        if n:
            out[f"{q.stack}/{q.logical_id}"] = n
    return out


def _line(text: str | None) -> str:
    """The first line of an error (a 500 page or a traceback is not a report)."""
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def problems(twin: Twin) -> list[str]:
    out = [_line(f) for f in twin.failures]
    out += [f"lambda {i.function}: {_line(i.error)}" for i in twin.functions.invocations if not i.ok]
    out += [f"glue {r.job} run {r.run_id[:12]}: {r.state}: {(r.error or '').strip().splitlines()[-1:]}"
            for r in twin.glue.runs if r.state != "SUCCEEDED"]
    for e in twin.executions():
        if e["status"] not in ("SUCCEEDED", "RUNNING"):
            out.append(f"state machine {e['stateMachineArn'].rsplit(':', 1)[-1]} execution {e['name'][:12]}: "
                       f"{e['status']}")
    out += [f"dead-letter queue {q}: {n} message(s)" for q, n in dead_letters(twin).items()]
    return out
