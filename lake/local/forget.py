"""``lake forget``: the local stand-in for submitting the Glue job ``erase``.

Writes the same request object the AWS side submits into the local landing bucket and runs
the same job code in-process. A completed erasure deletes the request; a failed one leaves it,
and running ``lake forget`` again for the same subject resumes that request (its tables whose
rows were deleted get their history removed even if nothing is left to delete).
"""

from __future__ import annotations

from lake.erasure import request as requests
from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.runtime.context import Context


def forget(ctx: Context, subject: Subject) -> ErasureReport:
    from lake.spark import local_session
    from lake.tasks.erase.run import run_request

    kind = subject.kind.name
    same = [r for r in requests.pending(ctx) if r.subject == kind and subject.kind.normalize(r.value) == subject.value]
    request = same[0] if same else requests.ErasureRequest(requests.new_request_id(), kind, subject.value)
    key = requests.save(ctx, request)
    spark = local_session(ctx.home.warehouse)
    return run_request(spark, ctx, request.request_id, key)


def kinds_in_use(ctx: Context) -> set[str]:
    return {c.subject for z in ctx.cfg.zones.values() for d in z.datasets.values() for c in d.columns if c.subject}
