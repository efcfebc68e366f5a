"""Platform records (``platform.runs``, ``quality_results``, ``approvals``, ``approval_requests``,
``open_alerts``, ...): one DynamoDB table for all of them, so they outlive the Lambda or Glue
run that wrote them.

Key design (read by ``lake.backends.dynamodb_records``): ``pk`` is ``<record table>#<zone>``,
``sk`` is ``<time>#<seq>#<uuid>``, so one zone's rows of one record table are one Query in
insertion order, and IAM can confine a principal to a zone's items (``dynamodb:LeadingKeys``).
No index: nothing reads across partitions but by querying each zone's.
"""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constructs.encrypted_table import encrypted_table


class RecordsTable(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, allow_destroy: bool) -> None:
        super().__init__(scope, id)
        self.table = encrypted_table(self, "Table", key=key, allow_destroy=allow_destroy, sort_key="sk")
