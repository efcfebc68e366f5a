"""The ingest ledger: one item per ingress object version and its terminal outcome.

Key design (read by ``lake.backends.aws_ledger``): ``pk`` is ``ingest#<ingest_id>`` for an
ingest record and ``object#<bucket>/<key>#<version>`` for the claim that makes a second
event for the same object version a no-op (a conditional put). ``by_zone`` lists a zone's
records in arrival order; ``by_source`` lists the versions seen for one object key.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.encrypted_table import S, encrypted_table


class LedgerTable(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, allow_destroy: bool) -> None:
        super().__init__(scope, id)
        self.table = encrypted_table(self, "Table", key=key, allow_destroy=allow_destroy)
        self.table.add_global_secondary_index(
            index_name="by_zone",
            partition_key=dynamodb.Attribute(name="zone", type=S),
            sort_key=dynamodb.Attribute(name="arrived_at", type=S),
        )
        self.table.add_global_secondary_index(
            index_name="by_source",
            partition_key=dynamodb.Attribute(name="source", type=S),
            sort_key=dynamodb.Attribute(name="version", type=S),
        )
