"""``lake replay``: validate quarantined files again, locally, through the shared replay task."""

from __future__ import annotations

from lake.backends.ledger import IngestRecord, open_quarantine
from lake.ingest.lease import graceful_sigterm
from lake.runtime.context import Context, using


def replay(ctx: Context, ingest_ids: list[str], dataset: str | None = None) -> tuple[list[IngestRecord], list[str]]:
    """Replay these ingests, or every open quarantine of ``ZONE.DATASET`` (oldest first, so the files reach
    ODS in the order they arrived): the records as they now are, and why any could not be replayed."""
    from lake.tasks.ingest import ReplayRefused, replay_task

    refused: list[str] = []
    if dataset:
        zone, _, name = dataset.replace("/", ".").partition(".")
        if ctx.cfg.dataset(zone, name) is None:
            return [], [f"no dataset {dataset} in the config"]
        ingest_ids = [r.ingest_id for r in ctx.ledger.records(zone) if r.dataset == name and open_quarantine(r)]
    done: list[IngestRecord] = []
    with using(ctx), graceful_sigterm():
        for ingest_id in ingest_ids:
            try:
                replay_task(ctx, ingest_id)
            except ReplayRefused as err:
                refused.append(str(err))
                continue
            rec = ctx.ledger.get(ingest_id)
            if rec is not None:
                done.append(rec)
    return done, refused
