"""Issue 13's lease defect: on AWS (DynamoDB ledger, moto) a validation that runs past the 900 s
lease keeps its file, because the validator renews the lease while it works. Time is simulated:
the ledger's clock moves, nothing sleeps for minutes."""

from __future__ import annotations

import dataclasses
import functools
import time
from datetime import UTC, datetime, timedelta

import pytest

from lake.backends import ledger as ledger_module
from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.ingest import lease, validator
from lake.ingest.receiver import receive
from lake.runtime.events import ObjectRef
from tests.ingest.conftest import expenses, good_rows
from tests.ingest.test_aws_backends import ledger_table, rec

OTHER = "glue-worker-2:7:1"  # a validator on another host: judged by its lease, never by a pid


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(ledger_module, "clock", c)
    return c


def test_an_unrenewed_lease_lapses_after_900_s(aws, clock):
    """The control: without a heartbeat a second validator takes the file once 900 s have passed."""
    ledger = DynamoDbLedger(ledger_table())
    r = ledger.claim(rec())
    assert ledger.start(r.ingest_id, "glue", 900, holder="glue-worker-1:5:1")
    clock.advance(899)
    assert not ledger.start(r.ingest_id, "lambda", 900, holder=OTHER)
    clock.advance(2)
    assert ledger.start(r.ingest_id, "lambda", 900, holder=OTHER)


def test_a_validation_running_past_900_s_keeps_its_file(aws, clock, ctx, monkeypatch):
    ddb = DynamoDbLedger(ledger_table())
    ctx = dataclasses.replace(ctx, ledger=ddb)
    src = ctx.home.ingress / "finance" / "expenses" / "big.csv"
    src.parent.mkdir(parents=True)
    src.write_text(expenses(*good_rows(5)))
    landed = receive(ctx, ObjectRef("ingress", "finance/expenses/big.csv"))
    monkeypatch.setattr(validator, "Heartbeat", functools.partial(lease.Heartbeat, interval=0.01))
    real_convert = validator.convert
    taken: list[bool] = []

    def long_job(*args, **kwargs):  # four simulated 5-minute stretches: 20 minutes of work
        for _ in range(4):
            clock.advance(300)
            beat = clock.at.isoformat(timespec="milliseconds")
            deadline = time.monotonic() + 10
            while (ddb.get(landed.ingest_id).renewed_at or "") < beat:  # the heartbeat has renewed
                assert time.monotonic() < deadline, "the lease was not renewed"
                time.sleep(0.01)
            taken.append(ddb.start(landed.ingest_id, "lambda", 900, holder=OTHER))
        return real_convert(*args, **kwargs)

    monkeypatch.setattr(validator, "convert", long_job)
    out = validator.validate(ctx, "landing", landed.landing_key, runner="glue")
    assert taken == [False, False, False, False]  # at 300, 600, 900 and 1200 s: still ours
    assert out.outcome == "staged" and out.runner == "glue" and out.attempts == 1
    assert not ddb.start(landed.ingest_id, "lambda", 900, holder=OTHER)  # finished: never again
