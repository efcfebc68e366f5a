"""The lock on AWS (moto): a conditional put on the ledger table, with a lease its holder renews."""

from __future__ import annotations

import time
from types import SimpleNamespace

import boto3
import pytest

from lake.backends import dynamodb_lock
from lake.backends.dynamodb_lock import DynamoDbLocks
from lake.runtime.lock import Busy, Holder, hold
from tests.runtime.test_lock import dead_pid, refused


@pytest.fixture
def table(aws: None) -> str:  # noqa: ARG001 - the moto fixture
    boto3.client("dynamodb").create_table(
        TableName="ledger", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return "ledger"


def test_one_holder_at_a_time_and_the_second_is_told_who(table: str) -> None:
    with hold(DynamoDbLocks(table), ["zone:finance"], "erase request-1") as me:
        item = boto3.resource("dynamodb").Table(table).get_item(Key={"pk": "lock#zone:finance"})["Item"]
        assert item["owner"] == me.owner and item["command"] == "erase request-1"
        message = refused(DynamoDbLocks(table), ["zone:finance"], "to_ods finance")
        assert message.startswith(f"a run is in progress (pid {me.pid} on ") and "erase request-1" in message
        with hold(DynamoDbLocks(table), ["zone:hr"], "to_ods hr"):
            pass
    assert "Item" not in boto3.resource("dynamodb").Table(table).get_item(Key={"pk": "lock#zone:finance"})
    with hold(DynamoDbLocks(table), ["zone:finance"], "to_ods finance"):
        pass


def test_an_expired_lease_is_taken_over(table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The lock's clock is ours: a loaded CI machine must not expire a lease the test means to be live.
    clock = [time.time()]
    monkeypatch.setattr(dynamodb_lock, "time", SimpleNamespace(time=lambda: clock[0]))
    stale = DynamoDbLocks(table, lease_seconds=60)
    other_host = Holder("to_ods finance", host="glue-worker-1", pid=4242)
    assert stale.try_acquire("zone:finance", other_host) is True
    stale._renewers.pop(("zone:finance", other_host.owner)).set()  # its job died: nobody renews
    assert DynamoDbLocks(table).try_acquire("zone:finance", Holder("erase")) == other_host  # lease still runs
    clock[0] += 61  # a minute later, the lease has lapsed
    with hold(DynamoDbLocks(table), ["zone:finance"], "erase") as me:
        assert DynamoDbLocks(table).holder("zone:finance") == me


def test_a_dead_process_on_this_host_is_taken_over_at_once(table: str) -> None:
    long_lease = DynamoDbLocks(table, lease_seconds=3600)
    ghost = Holder("lake run", pid=dead_pid())
    assert long_lease.try_acquire("zone:finance", ghost) is True
    with hold(DynamoDbLocks(table), ["zone:finance"], "erase") as me:
        long_lease.release("zone:finance", ghost)  # a late release by the old holder takes nothing away
        assert DynamoDbLocks(table).holder("zone:finance") == me
    assert DynamoDbLocks(table).holder("zone:finance") is None


def test_the_holder_renews_its_lease(table: str) -> None:
    locks = DynamoDbLocks(table, lease_seconds=1.5)
    with hold(locks, ["zone:finance"], "to_ods finance"):
        time.sleep(3.2)  # more than two leases: still held, thanks to the renewals (every 0.5 s)
        assert "to_ods finance" in refused(DynamoDbLocks(table), ["zone:finance"], "erase")


def test_shared_locks_are_refused_on_aws(table: str) -> None:
    with pytest.raises(ValueError, match="shared locks are local only"), \
            hold(DynamoDbLocks(table), [], "lake ingest", shared=["ingest"]):
        pass


def test_on_aws_erasure_and_vacuum_wait_for_a_promotion_of_the_zone(table: str, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The Glue jobs' paths: erase holds every zone's lock, vacuum its zones' locks, while they work."""
    from datetime import timedelta

    from lake.runtime.context import Context
    from lake.tasks import vacuum as vacuum_task
    from lake.tasks.erase import run as erase_task
    from tests.conftest import ZONES

    monkeypatch.setenv("LAKE_BACKEND", "aws")
    monkeypatch.setenv("LEDGER_TABLE", table)
    ctx = Context.local(tmp_path / "home", ZONES)
    seen: list[str | None] = []
    holder = lambda: (h := DynamoDbLocks(table).holder("zone:finance")) and h.command  # noqa: E731
    monkeypatch.setattr(erase_task, "run_request", lambda *a: seen.append(holder()))
    monkeypatch.setattr(vacuum_task, "vacuum", lambda *a: seen.append(holder()) or [])

    with hold(DynamoDbLocks(table), ["zone:finance"], "to_ods finance"):  # a promotion in flight
        with pytest.raises(Busy, match="to_ods finance"):
            erase_task.run_request_locked(None, ctx, "erase-1", "_erasure/requests/erase-1.json", wait=0)
        with pytest.raises(Busy, match="to_ods finance"):
            vacuum_task.vacuum_task(None, ctx, ["finance"], timedelta(hours=2), wait=0)
        assert seen == []  # neither touched a table
    erase_task.run_request_locked(None, ctx, "erase-1", "_erasure/requests/erase-1.json", wait=0)
    vacuum_task.vacuum_task(None, ctx, ["finance"], timedelta(hours=2), wait=0)
    assert seen == ["erase erase-1", "vacuum"]
    assert DynamoDbLocks(table).holder("zone:finance") is None
