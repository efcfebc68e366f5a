"""An erasure rewrites an ingress object, and S3 announces the new version at once: the receiver may
take that event before the erasure has told the ledger about the version. It must record a duplicate
of the ingest the file already was, never a new ingest (which would validate the file again)."""

from __future__ import annotations

from pathlib import Path

from lake.erasure.objects import erase_ingress, index_by_source
from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.ingest.receiver import receive
from lake.local.ingest import drop_file
from lake.runtime.events import ObjectRef
from tests.ingest.conftest import GOOD_ROW, expenses, write


def test_the_rewritten_objects_event_taken_mid_erasure_is_a_duplicate(ctx, tmp_path: Path, monkeypatch) -> None:
    dana = GOOD_ROW.format(id=2).replace("a@example.com", "dana.lee@example.com")
    [first] = drop_file(ctx, write(tmp_path, "claims.csv", expenses(GOOD_ROW.format(id=1), dana)),
                        "finance", "expenses")
    assert first.outcome == "staged"
    put, delivered = ctx.storage.put_file, []

    def put_and_announce(bucket: str, key: str, src: Path, metadata: dict[str, str] | None = None) -> None:
        put(bucket, key, src, metadata=metadata)
        if bucket == ctx.buckets.ingress:  # the event reaches the receiver before the put call returns
            delivered.append(receive(ctx, ObjectRef(bucket, key)))

    monkeypatch.setattr(ctx.storage, "put_file", put_and_announce)
    report = ErasureReport("erase-1", "run-1", "person_email", "h", "2026-12-03T00:00:00+00:00")
    erase_ingress(ctx, Subject.of("person_email", "dana.lee@example.com"), report, index_by_source(ctx))
    assert [(r.outcome, r.duplicate_of) for r in delivered] == [("duplicate", first.ingest_id)]
    assert [r.ingest_id for r in ctx.ledger.records() if r.duplicate_of is None] == [first.ingest_id]
