"""Steward approval: datasets whose contract says ``promotion: manual`` wait in staging.

A steward approves (``lake approve``) or rejects (``lake reject --reason``) each validated
ingest; only approved ingests reach ODS, and a rejection tells the producers why.

On AWS the zone's promotion state machine waits for the same decision on a Step Functions task
token: the approval Lambda (``lambdas/approval``) calls ``request``, which records the token in
``platform.approval_requests`` and asks the zone's stewards; ``decide`` completes the tokens of
each ingest it decides (success: the promotion continues; failure ``Rejected``: the execution
ends with nothing to promote). Locally no token is ever recorded, so nothing talks to Step
Functions and ``lake run`` promotes what was approved.
"""

from __future__ import annotations

import getpass
import json
import logging
from typing import Any

from lake.backends.alerts import tell
from lake.backends.ledger import IngestRecord, now
from lake.runtime.context import Context

REJECTED = "Rejected"  # the error a rejection fails the waiting task with; the state machine catches it
log = logging.getLogger("lake")


def decisions(ctx: Context, zone: str) -> dict[str, str]:
    return {r["ingest_id"]: r["decision"] for r in ctx.records.rows("approvals", zone)}


def promotable(ctx: Context, zone: str, dataset: str, pending: list[IngestRecord]) -> list[IngestRecord]:
    """The pending ingests promotion may take: all of them, or for manual datasets the approved ones."""
    ds = ctx.cfg.zones[zone].datasets[dataset]
    if ds.options.promotion != "manual":
        return pending
    decided = decisions(ctx, zone)
    return [r for r in pending if decided.get(r.ingest_id) == "approved"]


def waiting(ctx: Context, zone: str | None = None) -> list[IngestRecord]:
    out = []
    for z in ctx.cfg.zones.values():
        if zone and z.name != zone:
            continue
        decided = decisions(ctx, z.name)
        for name, ds in z.datasets.items():
            if ds.options.promotion == "manual":
                out += [r for r in ctx.ledger.pending_promotion(z.name, name) if r.ingest_id not in decided]
    return out


def decide(ctx: Context, target: str, decision: str, ingest_id: str | None = None, reason: str = "",
           tasks: Any | None = None) -> list[str]:
    """Approve or reject the waiting ingests of ``<zone>/<dataset>`` (or just one); returns their ids.

    Each decision is recorded first, then the promotions waiting for it on AWS are resumed
    (``tasks``: a boto3 Step Functions client, made only when a task token exists)."""
    zone, _, dataset = target.partition("/")
    ds = ctx.cfg.dataset(zone, dataset)
    if ds is None:
        raise ValueError(f"unknown dataset '{target}' (expected <zone>/<dataset>)")
    if ds.options.promotion != "manual":
        raise ValueError(f"{target} is promoted automatically (its contract has no `promotion: manual`)")
    chosen = [r for r in waiting(ctx, zone) if r.dataset == dataset and (ingest_id is None or r.ingest_id == ingest_id)]
    if ingest_id and not chosen:
        raise ValueError(f"ingest {ingest_id} is not waiting for approval in {target}")
    waiting_on = _tokens(ctx, zone)  # read once, not per ingest
    for r in chosen:
        ctx.records.add("approvals", ingest_id=r.ingest_id, zone=zone, dataset=dataset, decision=decision,
                        reason=reason, decided_by=getpass.getuser(), decided_at=now())
        if decision == "rejected":
            # Straight to the zone, never de-duplicated: every rejected file needs its own answer.
            producers = ", ".join(ctx.cfg.zones[zone].spec.producers) or "the producer"
            tell(ctx, zone, "warning", f"{target}: ingest of {r.source_key} rejected by a steward: {reason}",
                 f"Tell {producers}: the file will not reach ODS. Fix it and drop a corrected file.",
                 ingest_id=r.ingest_id, source_key=r.source_key, producers=ctx.cfg.zones[zone].spec.producers)
        resume(ctx, zone, r.ingest_id, decision, reason, tokens=waiting_on.get(r.ingest_id, []), tasks=tasks)
    return [r.ingest_id for r in chosen]


# --- AWS: the promotion state machine waits on a task token --------------------------------------


def ingest_of(staged_key: str) -> str:
    """The ingest id of a staged object: ``<zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>.parquet``."""
    return staged_key.rsplit("/", 1)[-1].removesuffix(".parquet")


def request(ctx: Context, *, zone: str, dataset: str, staged_key: str, task_token: str, execution: str = "",
            wait_days: int | None = None, tasks: Any | None = None) -> str:
    """A promotion of a manual dataset waits: record its task token, then complete it at once if a
    steward already decided this ingest, else ask the zone's stewards. Returns the decision or "waiting"."""
    target, ingest_id = f"{zone}/{dataset}", ingest_of(staged_key)
    ds = ctx.cfg.dataset(zone, dataset)
    if ds is None or ds.options.promotion != "manual":
        raise ValueError(f"{target} does not wait for approval (its contract has no `promotion: manual`)")
    # EventBridge may deliver a staged object twice: each execution waits, the stewards are asked once.
    asked = any(r["ingest_id"] == ingest_id for r in ctx.records.rows("approval_requests", zone))
    ctx.records.add("approval_requests", ingest_id=ingest_id, zone=zone, dataset=dataset, staged_key=staged_key,
                    execution=execution, task_token=task_token, requested_at=now())
    # Recorded before looking: a decision made meanwhile either sees this token or is seen here.
    decided = [r for r in ctx.records.rows("approvals", zone) if r["ingest_id"] == ingest_id]
    if decided:
        last = decided[-1]
        resume(ctx, zone, ingest_id, last["decision"], last["reason"] or "", tokens=[task_token], tasks=tasks)
        return str(last["decision"])
    if asked:
        return "waiting"
    rec = ctx.ledger.get(ingest_id)
    source = rec.source_key if rec else None
    later = (f" The promotion waits {wait_days} days; a decision after that is still recorded, and the "
             "dataset's next promotion takes the ingest." if wait_days else "")
    tell(ctx, zone, "info", f"ingest {ingest_id} of {target} waits for approval",
         f"Run `lake approve {target} --ingest {ingest_id}` (or `lake reject {target} --ingest {ingest_id} "
         f"--reason ...`).{later}", ingest_id=ingest_id, source_key=source, staged_key=staged_key, execution=execution)
    return "waiting"


def _tokens(ctx: Context, zone: str) -> dict[str, list[str]]:
    """The task tokens of the zone's promotions waiting for a decision, per ingest."""
    out: dict[str, list[str]] = {}
    for r in ctx.records.rows("approval_requests", zone):
        if r["task_token"]:
            out.setdefault(r["ingest_id"], []).append(r["task_token"])
    return out


def resume(ctx: Context, zone: str, ingest_id: str, decision: str, reason: str = "",
           tokens: list[str] | None = None, tasks: Any | None = None) -> tuple[int, int]:
    """Complete the task tokens waiting for this ingest's decision: (completed, already gone).

    A token that timed out (or whose execution ended) is skipped with a warning: the decision is
    recorded all the same, and the dataset's next promotion takes an approved ingest."""
    if tokens is None:
        tokens = _tokens(ctx, zone).get(ingest_id, [])
    if not tokens:
        return 0, 0  # always so locally: nothing waits on Step Functions
    if tasks is None:
        import boto3

        tasks = boto3.client("stepfunctions")
    errors = tasks.exceptions
    gone = (errors.TaskTimedOut, errors.InvalidToken, errors.TaskDoesNotExist)
    done = expired = 0
    for token in dict.fromkeys(tokens):
        try:
            if decision == "approved":
                tasks.send_task_success(taskToken=token, output=json.dumps(
                    {"decision": decision, "ingest_id": ingest_id, "reason": reason}))
            else:
                tasks.send_task_failure(taskToken=token, error=REJECTED,
                                        cause=(reason or "rejected by a steward")[:32768])
            done += 1
        except gone:
            expired += 1
            log.warning("the promotion that waited for ingest %s no longer waits (its approval timed out, or the "
                        "execution ended): the decision (%s) is recorded%s", ingest_id, decision,
                        "; the dataset's next promotion takes the ingest" if decision == "approved" else "")
    return done, expired
