"""The lake's dead-letter queues on AWS, and what waits in them (``lake status`` with LAKE_BACKEND=aws).

Every dead-letter queue of the deployment carries the tag ``insight-lake:dead-letters`` (its value
says what failed: infra/constructs/dead_letter_queue.py). Queue names are CloudFormation's,
``<stack>-<id>-<suffix>``, so the lake's queues are those whose name starts with the stacks' prefix
(``LAKE_STACK_PREFIX``, default ``InsightLake-``: every stage; ``InsightLake-prod-`` for one).
"""

from __future__ import annotations

import os
from typing import Any

DEAD_LETTERS_TAG = "insight-lake:dead-letters"


def dead_letters(sqs: Any = None, prefix: str | None = None) -> list[dict[str, Any]]:
    """Each of the lake's dead-letter queues holding messages: queue, what failed, messages."""
    import boto3

    sqs = sqs or boto3.client("sqs")
    prefix = prefix or os.environ.get("LAKE_STACK_PREFIX", "InsightLake-")
    out = []
    for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix):
        for url in page.get("QueueUrls", []):
            what = sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(DEAD_LETTERS_TAG)
            if what is None:
                continue
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            n = sum(int(v) for v in attrs.values())
            if n:
                out.append({"queue": url.rsplit("/", 1)[-1], "what": what, "messages": n})
    return out
