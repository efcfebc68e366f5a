"""Steward approval: datasets whose contract says ``promotion: manual`` wait in staging.

A steward approves (``lake approve``) or rejects (``lake reject --reason``) each validated
ingest; only approved ingests reach ODS, and a rejection tells the producers why. On AWS
the promotion state machine waits on a task token for the same decision.
"""

from __future__ import annotations

import getpass

from lake.backends.ledger import IngestRecord, now
from lake.runtime.context import Context


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


def decide(ctx: Context, target: str, decision: str, ingest_id: str | None = None, reason: str = "") -> list[str]:
    """Approve or reject the waiting ingests of ``<zone>/<dataset>`` (or just one); returns their ids."""
    zone, _, dataset = target.partition("/")
    ds = ctx.cfg.dataset(zone, dataset)
    if ds is None:
        raise ValueError(f"unknown dataset '{target}' (expected <zone>/<dataset>)")
    if ds.options.promotion != "manual":
        raise ValueError(f"{target} is promoted automatically (its contract has no `promotion: manual`)")
    chosen = [r for r in waiting(ctx, zone) if r.dataset == dataset and (ingest_id is None or r.ingest_id == ingest_id)]
    if ingest_id and not chosen:
        raise ValueError(f"ingest {ingest_id} is not waiting for approval in {target}")
    for r in chosen:
        ctx.records.add("approvals", ingest_id=r.ingest_id, zone=zone, dataset=dataset, decision=decision,
                        reason=reason, decided_by=getpass.getuser(), decided_at=now())
        if decision == "rejected":
            producers = ", ".join(ctx.cfg.zones[zone].spec.producers) or "the producer"
            ctx.alert_zone(zone, "warning", f"{target}: ingest of {r.source_key} rejected by a steward: {reason}",
                           f"Tell {producers}: the file will not reach ODS. Fix it and drop a corrected file.",
                           ingest_id=r.ingest_id, source_key=r.source_key, producers=ctx.cfg.zones[zone].spec.producers)
    return [r.ingest_id for r in chosen]
