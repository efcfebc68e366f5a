"""Locks on DynamoDB (``lake.runtime.lock`` on AWS): one item ``pk = lock#<name>`` in the ledger table.

Taking a lock is a conditional put that succeeds only when no item exists, the item's lease has
expired, or its holder is a dead process on this host. The holder renews the lease every third
of its length from a daemon thread, so a Glue job that runs for hours keeps it and a job that
was killed loses it within one lease (``LOCK_LEASE_SECONDS``, default 300 s). Releasing deletes
the item only if this holder still owns it. The ledger table is reused (its GSIs key on
attributes a lock item does not have, so no index sees it): no new table, no new IAM grant
beyond the item writes the jobs already make.

Shared holding (the local ``ingest`` lock) is not offered: on AWS ingestion runs in Lambdas,
which do not take the lock.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict
from typing import Any

from lake.backends.holder import Holder

PREFIX = "lock#"


class DynamoDbLocks:
    def __init__(self, table_name: str, resource: Any | None = None, lease_seconds: float | None = None):
        import boto3

        self.table = (resource or boto3.resource("dynamodb")).Table(table_name)
        self.lease = float(lease_seconds or os.environ.get("LOCK_LEASE_SECONDS", "300"))
        self._renewers: dict[tuple[str, str], threading.Event] = {}

    def _put(self, name: str, holder: Holder, condition: str, values: dict[str, Any]) -> bool:
        from botocore.exceptions import ClientError

        item = {"pk": PREFIX + name, **asdict(holder), "expires_at": int((time.time() + self.lease) * 1000)}
        names = {"#o": "owner"} if "#o" in condition else {}  # OWNER is a reserved word
        try:
            self.table.put_item(Item=item, ConditionExpression=condition, ExpressionAttributeValues=values,
                                **({"ExpressionAttributeNames": names} if names else {}))
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def try_acquire(self, name: str, holder: Holder, shared: bool = False) -> Holder | None | bool:
        if shared:
            raise ValueError(f"lock {name}: shared locks are local only (lake.runtime.lock.FileLocks)")
        now_ms = int(time.time() * 1000)
        if self._put(name, holder, "attribute_not_exists(pk) OR expires_at < :now", {":now": now_ms}):
            self._renew_in_background(name, holder)
            return True
        current = self.holder(name)
        if current is not None and not current.alive() and \
                self._put(name, holder, "#o = :old", {":old": current.owner}):
            self._renew_in_background(name, holder)  # its process is gone: no need to wait for the lease
            return True
        return current

    def _renew(self, name: str, holder: Holder) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.table.update_item(Key={"pk": PREFIX + name}, UpdateExpression="SET expires_at = :e",
                                   ConditionExpression="#o = :me", ExpressionAttributeNames={"#o": "owner"},
                                   ExpressionAttributeValues={":e": int((time.time() + self.lease) * 1000),
                                                              ":me": holder.owner})
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False  # lost (expired and taken): the holder's work must not go on unnoticed
            raise
        return True

    def _renew_in_background(self, name: str, holder: Holder) -> None:
        stop = threading.Event()
        self._renewers[(name, holder.owner)] = stop

        def beat() -> None:
            while not stop.wait(self.lease / 3):
                if not self._renew(name, holder):
                    return

        threading.Thread(target=beat, name=f"lock-renew-{name}", daemon=True).start()

    def release(self, name: str, holder: Holder) -> None:
        from botocore.exceptions import ClientError

        stop = self._renewers.pop((name, holder.owner), None)
        if stop is not None:
            stop.set()
        try:
            self.table.delete_item(Key={"pk": PREFIX + name}, ConditionExpression="#o = :me",
                                   ExpressionAttributeNames={"#o": "owner"},
                                   ExpressionAttributeValues={":me": holder.owner})
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def holder(self, name: str) -> Holder | None:
        item = self.table.get_item(Key={"pk": PREFIX + name}, ConsistentRead=True).get("Item")
        if item is None or int(item.get("expires_at", 0)) < int(time.time() * 1000):
            return None
        return Holder(str(item["command"]), str(item["host"]), int(item["pid"]), str(item["started"]),
                      str(item["owner"]))
