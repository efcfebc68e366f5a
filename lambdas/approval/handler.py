"""Approval Lambda: a zone's promotion state machine invokes it with a task token
(``lambda:invoke.waitForTaskToken``) when a staged object belongs to a ``promotion: manual`` dataset.

Thin on purpose: parse the payload, log with the ingest id; the logic is ``lake.approvals.request``
(record the token in ``platform.approval_requests``, complete it at once if a steward already
decided, else ask the zone's stewards). The state machine then waits until ``lake approve`` or
``lake reject`` completes the token, or its timeout.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import BaseModel, event_parser

from lake import approvals
from lake.runtime.context import current_context

logger = Logger(service="approval")


class ApprovalRequest(BaseModel):
    """The payload the state machine sends (infra/constructs/promotion_workflow.py)."""

    task_token: str
    zone: str
    dataset: str
    staged_key: str  # <zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>.parquet
    execution: str = ""
    wait_days: int | None = None


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=ApprovalRequest)
def handler(event: ApprovalRequest, context: Any) -> dict[str, str]:
    ingest_id = approvals.ingest_of(event.staged_key)
    logger.append_keys(ingest_id=ingest_id, zone=event.zone, dataset=event.dataset, execution=event.execution)
    state = approvals.request(current_context(), zone=event.zone, dataset=event.dataset, staged_key=event.staged_key,
                              task_token=event.task_token, execution=event.execution, wait_days=event.wait_days)
    logger.info("approval requested" if state == "waiting" else "already decided", extra={"state": state})
    return {"ingest_id": ingest_id, "state": state}
