"""The ingest ledger on DynamoDB (the table of ``infra/constructs/ledger_table.py``).

Items: ``pk = ingest#<ingest_id>`` holds an ingest (or duplicate) record; ``pk =
object#<bucket>/<key>#<version>`` is the claim that makes an object version ingest once (and ``pk =
content#<zone>/<dataset>#<sha256>`` the one that makes the same bytes under a new name a duplicate). The
claim and its record are written in one transaction, conditional on the claim not existing,
so two receivers racing on the same event produce one ingest and one ``duplicate``, exactly
as SQLite's unique index does locally. GSIs: ``by_zone`` (zone, arrived_at) and
``by_source`` (source, version).
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

from lake.backends.holder import is_dead
from lake.backends.ledger import INT_COLUMNS, REOPENED, IngestRecord, _ago, lapsed, now

_FIELDS = {f.name for f in fields(IngestRecord)}



class DynamoDbLedger:
    def __init__(self, table_name: str, resource: Any | None = None):
        import boto3

        self.db = resource or boto3.resource("dynamodb")
        self.table = self.db.Table(table_name)
        self.client = self.table.meta.client

    @staticmethod
    def _item(rec: IngestRecord) -> dict[str, Any]:
        # DynamoDB index keys cannot be null: absent attributes keep unroutable records out of by_zone.
        item = {k: v for k, v in asdict(rec).items() if v is not None}
        # claimed_at orders ingests that arrived in the same second, as SQLite's rowid does locally.
        return {**item, "pk": f"ingest#{rec.ingest_id}", "source": f"{rec.source_bucket}/{rec.source_key}",
                "claimed_at": datetime.now(UTC).isoformat(timespec="microseconds")}

    @staticmethod
    def _rec(item: dict[str, Any]) -> IngestRecord:
        d = {k: v for k, v in item.items() if k in _FIELDS}
        for k in INT_COLUMNS:
            d[k] = int(d.get(k, 0))
        d.setdefault("zone", None)
        d.setdefault("dataset", None)
        d["warnings"] = list(d.get("warnings") or [])
        d["columns"] = [str(c) for c in d["columns"]] if d.get("columns") is not None else None
        return IngestRecord(**d)

    def claim(self, record: IngestRecord) -> IngestRecord:
        claim_pk = f"object#{record.source_bucket}/{record.source_key}#{record.version}"
        try:
            self.client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table.name, "Item": {"pk": claim_pk, "ingest_id": record.ingest_id},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self.table.name, "Item": self._item(record)}},
            ])
            return record
        except self.client.exceptions.TransactionCanceledException:
            first = self.table.get_item(Key={"pk": claim_pk}, ConsistentRead=True)["Item"]["ingest_id"]
            dup = IngestRecord(**{**asdict(record), "outcome": "duplicate", "duplicate_of": first,
                                  "reason": f"same object version as ingest {first}", "completed_at": now()})
            self.table.put_item(Item=self._item(dup))
            return dup

    def complete(self, ingest_id: str, **values: Any) -> None:
        values.setdefault("completed_at", now())
        self._update(ingest_id, values)

    def _update(self, ingest_id: str, values: dict[str, Any]) -> None:
        """SET the given attributes; None REMOVEs one (as NULL does in SQLite)."""
        sets = [k for k, v in values.items() if v is not None]
        removes = [k for k, v in values.items() if v is None]
        expr = ("SET " + ", ".join(f"#{k} = :{k}" for k in sets)) if sets else ""
        if removes:
            expr += " REMOVE " + ", ".join(f"#{k}" for k in removes)
        self.table.update_item(Key={"pk": f"ingest#{ingest_id}"}, UpdateExpression=expr.strip(),
                               ExpressionAttributeNames={f"#{k}": k for k in values},
                               ExpressionAttributeValues={f":{k}": values[k] for k in sets} or None)

    def get(self, ingest_id: str) -> IngestRecord | None:
        item = self.table.get_item(Key={"pk": f"ingest#{ingest_id}"}, ConsistentRead=True).get("Item")
        return self._rec(item) if item else None

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items, start = [], None
        while True:
            page = self.table.query(**kwargs, **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            if not (start := page.get("LastEvaluatedKey")):
                return items

    def _scan(self) -> list[dict[str, Any]]:
        items, start = [], None
        while True:
            page = self.table.scan(**({"ExclusiveStartKey": start} if start else {}))
            items += [i for i in page["Items"] if str(i["pk"]).startswith("ingest#")]
            if not (start := page.get("LastEvaluatedKey")):
                return items

    def records(self, zone: str | None = None) -> list[IngestRecord]:
        if zone:
            items = self._query(IndexName="by_zone", KeyConditionExpression="#z = :z",
                                ExpressionAttributeNames={"#z": "zone"}, ExpressionAttributeValues={":z": zone})
        else:
            items = self._scan()
        items.sort(key=lambda i: (i["arrived_at"], i.get("claimed_at", ""), i["ingest_id"]))
        return [self._rec(i) for i in items]

    def seen(self, source_bucket: str, source_key: str) -> set[str]:
        items = self._query(IndexName="by_source", KeyConditionExpression="#s = :s",
                            ExpressionAttributeNames={"#s": "source"},
                            ExpressionAttributeValues={":s": f"{source_bucket}/{source_key}"})
        return {str(i["version"]) for i in items}

    def pending_promotion(self, zone: str, dataset: str) -> list[IngestRecord]:
        return [r for r in self.records(zone) if r.dataset == dataset and r.outcome in ("staged", "partial")
                and r.promoted_at is None and r.rows_staged > 0]

    def mark_promoted(self, ingest_ids: list[str], run_id: str) -> None:
        ts = now()
        for i in ingest_ids:
            self._update(i, {"promoted_at": ts, "promotion_run_id": run_id})

    def start(self, ingest_id: str, runner: str, lease_seconds: int = 900, holder: str | None = None) -> bool:
        """As ``SqliteLedger.start``: a lease lapses when unrenewed for ``lease_seconds`` (the validator
        renews it while it works, ``lake.ingest.lease.Heartbeat``) or when its holder died on this host."""
        rec = self.get(ingest_id)
        if rec is None or rec.outcome not in ("received", "validating"):
            return False
        names = {"#o": "outcome", "#r": "renewed_at", "#s": "started_at"}
        values: dict[str, Any] = {":v": "validating", ":r": runner, ":now": now(), ":received": "received",
                                  ":cutoff": _ago(lease_seconds), ":one": 1}
        lapsed = "(#r < :cutoff OR (attribute_not_exists(#r) AND #s < :cutoff))"
        if rec.outcome == "validating" and is_dead(rec.lease_owner):
            lapsed, values[":dead"], names["#h"] = "#h = :dead", rec.lease_owner, "lease_owner"
        sets = "SET #o = :v, runner = :r, #s = :now, #r = :now"
        if holder:
            sets, values[":holder"], names["#h"] = sets + ", #h = :holder", holder, "lease_owner"
        try:
            self.client.update_item(
                TableName=self.table.name, Key={"pk": f"ingest#{ingest_id}"},
                UpdateExpression=sets + " ADD attempts :one",
                ConditionExpression=f"#o = :received OR (#o = :v AND {lapsed})",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values)
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def renew(self, ingest_id: str, holder: str, lease_seconds: int = 900) -> bool:
        """The heartbeat: push the lease forward while its holder still has it. Uses the client, not the
        Table resource: the heartbeat runs on its own thread, and boto3 clients are thread-safe."""
        try:
            self.client.update_item(
                TableName=self.table.name, Key={"pk": f"ingest#{ingest_id}"},
                UpdateExpression="SET #r = :now", ConditionExpression="#o = :v AND #h = :holder",
                ExpressionAttributeNames={"#r": "renewed_at", "#o": "outcome", "#h": "lease_owner"},
                ExpressionAttributeValues={":now": now(), ":v": "validating", ":holder": holder})
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def unfinished(self, older_than_seconds: int = 900) -> list[IngestRecord]:
        cutoff = _ago(older_than_seconds)
        return [r for r in self.records() if r.outcome in ("received", "validating") and lapsed(r, cutoff)]

    def erased(self, ingest_id: str, request_id: str, **values: Any) -> None:
        """As ``SqliteLedger.erased``: the rewritten version gets its own claim (pointing at this
        ingest) before the record names it, so a receiver seeing that version finds it claimed."""
        version = values.get("version")
        if version is not None:
            rec = self.get(ingest_id)
            if rec is not None:
                claim_pk = f"object#{rec.source_bucket}/{rec.source_key}#{version}"
                try:
                    self.table.put_item(Item={"pk": claim_pk, "ingest_id": ingest_id},
                                        ConditionExpression="attribute_not_exists(pk)")
                except self.client.exceptions.ConditionalCheckFailedException:
                    values = {k: v for k, v in values.items() if k != "version"}  # those bytes are claimed already
        self._update(ingest_id, {**values, "erased_by": request_id, "erased_at": now()})

    def reopen(self, ingest_id: str) -> bool:
        """As ``SqliteLedger.reopen``: conditional on the ingest being quarantined with a landing copy."""
        values = {**REOPENED, "replayed_at": now()}
        values["warnings"] = []
        sets = [k for k, v in values.items() if v is not None]
        removes = [k for k, v in values.items() if v is None]
        names = {f"#{k}": k for k in values} | {"#n": "replays", "#l": "landing_key"}
        attrs = {f":{k}": values[k] for k in sets} | {":q": "quarantined", ":one": 1}
        try:
            self.client.update_item(
                TableName=self.table.name, Key={"pk": f"ingest#{ingest_id}"},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in sets) + " ADD #n :one REMOVE "
                                 + ", ".join(f"#{k}" for k in removes),
                ConditionExpression="#outcome = :q AND attribute_exists(#l)",
                ExpressionAttributeNames=names, ExpressionAttributeValues=attrs)
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def claim_content(self, zone: str, dataset: str, sha256: str, ingest_id: str) -> str:
        """As ``SqliteLedger.claim_content``: a conditional put, so of two racing ingests one is first."""
        pk = f"content#{zone}/{dataset}#{sha256}"
        try:
            self.table.put_item(Item={"pk": pk, "ingest_id": ingest_id}, ConditionExpression="attribute_not_exists(pk)")
            return ingest_id
        except self.client.exceptions.ConditionalCheckFailedException:
            return str(self.table.get_item(Key={"pk": pk}, ConsistentRead=True)["Item"]["ingest_id"])
