"""The reconcile sweep as one task, the same on AWS (the scheduled sweep Lambda) and locally
(``lake ingest``): ingest every ingress object version no event announced, land the claims a
crashed receiver never copied, and validate again what a crash left unfinished.

Each object goes through the receive and validate tasks (their runs recorded, staged files
registered in the catalog, recoveries sent), inside one ``sweep`` run. What lands while the sweep
runs is validated by the landing bucket's own events (on AWS EventBridge -> the validator;
locally the runtime listens for the writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lake.backends.ledger import IngestRecord
from lake.ingest.receiver import resume
from lake.ingest.sweep import stale_claims, stale_landing, unseen_objects
from lake.runtime.context import Context
from lake.runtime.events import ObjectRef
from lake.runtime.runlog import task_run
from lake.tasks.ingest import receive_task, validate_task


@dataclass
class Swept:
    run_id: str = ""
    received: list[IngestRecord] = field(default_factory=list)
    resumed: list[IngestRecord] = field(default_factory=list)
    revalidated: list[IngestRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"received": len(self.received), "resumed": len(self.resumed), "revalidated": len(self.revalidated)}


def reconcile(ctx: Context, stale_after_seconds: int = 900,
              start_job: Callable[[str, str], str] | None = None) -> Swept:
    out = Swept()
    with task_run(ctx, "sweep") as run:
        out.run_id = run.run_id
        # What was stale before this sweep started: what it lands itself is the events' to validate.
        claims = stale_claims(ctx, stale_after_seconds)
        stuck = stale_landing(ctx, stale_after_seconds)
        unseen = list(unseen_objects(ctx))
        run.inputs = [f"s3://{o.bucket}/{o.key}" for o in unseen]
        for o in unseen:
            rec = receive_task(ctx, ObjectRef(o.bucket, o.key, o.size, o.etag, o.version_id))
            if rec is not None:
                out.received.append(rec)
        out.resumed = [resume(ctx, r) for r in claims]  # claimed, never landed: the receiver died in between
        for bucket, key, size in stuck:
            rec = validate_task(ctx, bucket, key, size, start_job=start_job)
            if rec is not None:
                out.revalidated.append(rec)
        run.rows_in = len(out.received) + len(out.resumed) + len(out.revalidated)
    return out
