"""The scheduled sweep Lambda does what ``lake ingest`` does: one task (``lake.tasks.sweep``), so the
same runs are recorded, staged files registered in the catalog and the same validations re-driven."""

from __future__ import annotations

import pytest

from lake.local.ingest import LambdaContext, sweep
from lake.runtime.context import using
from lake.runtime.events import ObjectRef
from lake.runtime.runlog import runs
from lake.tasks import ingest as tasks
from lambdas.sweep import handler as sweep_handler
from tests.ingest.conftest import FIXTURES


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The staged files the sweep registers in the Glue Data Catalog (only on AWS; recorded here)."""
    out: list[str] = []
    monkeypatch.setattr(tasks, "register_staged", lambda ctx, rec: out.append(rec.ingest_id))
    return out


def lost_and_stuck(ctx) -> str:  # noqa: ANN001
    """One ingress object whose event was lost, one landed file whose validation never ran."""
    # Other bytes than stuck.csv's (the same bytes under a new name would be a duplicate of it).
    ctx.storage.put_bytes("ingress", "finance/expenses/lost.csv",
                          (FIXTURES / "expenses_good.csv").read_bytes().replace(b"\n", b"\r\n"))
    ctx.storage.put_file("ingress", "finance/expenses/stuck.csv", FIXTURES / "expenses_good.csv")
    info = ctx.storage.head("ingress", "finance/expenses/stuck.csv")
    stuck = tasks.receive_task(ctx, ObjectRef(info.bucket, info.key, info.size, info.etag, info.version_id))
    assert stuck is not None and stuck.outcome == "received" and stuck.landing_key
    return stuck.ingest_id


def task_runs(ctx) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted((r["task"], r["status"]) for r in runs(ctx))


def test_the_sweep_lambda_registers_records_and_revalidates_like_lake_ingest(ctx, registered) -> None:  # noqa: ANN001
    stuck = lost_and_stuck(ctx)
    with using(ctx):
        out = sweep_handler.handler({"task": "reconcile", "stale_after_seconds": 0}, LambdaContext("sweep"))
    assert out == {"received": 1, "resumed": 0, "revalidated": 1}
    assert ctx.ledger.get(stuck).outcome == "staged"
    assert registered == [stuck]  # the catalog partition, as the validator Lambda adds it
    # the lost object's receiver run and the re-driven validation's run are recorded, inside a sweep run
    assert task_runs(ctx) == [("receiver", "succeeded"), ("receiver", "succeeded"), ("sweep", "succeeded"),
                              ("validator", "succeeded")]


def test_lake_ingest_records_the_same_runs_plus_the_validations_aws_events_drive(ctx, registered) -> None:  # noqa: ANN001
    stuck = lost_and_stuck(ctx)
    swept = sweep(ctx, stale_after_seconds=0)
    assert {r.ingest_id for r in swept} >= {stuck} and all(r.outcome == "staged" for r in swept)
    # the lost object's landing copy is validated here as its landing event would be on AWS
    assert sorted(registered) == sorted(r.ingest_id for r in swept)
    assert task_runs(ctx) == [("receiver", "succeeded"), ("receiver", "succeeded"), ("sweep", "succeeded"),
                              ("validator", "succeeded"), ("validator", "succeeded")]
