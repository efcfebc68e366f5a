"""What a zone's readers may read, as Lake Formation tag-based grants.

Own zone: DESCRIBE its databases; SELECT on its staging, ODS and analytics tables — only
``sensitivity=general`` columns for readers, every column for PII readers. Other zones: only
tables tagged ``shared_with_<zone>`` (what they publish to this zone), general columns only.
Nothing names landing, and no grant uses another zone's ``zone`` tag value.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_lakeformation as lf
from constructs import Construct

from infra.lf import (
    GENERAL,
    LAYER,
    PII,
    READ,
    READABLE_LAYERS,
    SENSITIVITY,
    SHARED_VALUE,
    ZONE,
    key_of,
    shared_with,
    tag_grant,
    tag_policy_grant,
)


class ZoneReaders(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: str, readers: Sequence[str], pii_readers: Sequence[str],
                 receives_shares: bool, governor: str) -> None:
        super().__init__(scope, id)
        own = {ZONE: [zone], LAYER: list(READABLE_LAYERS)}
        self.shared_tag: lf.CfnTag | None = None
        if receives_shares:
            # This zone's own key: only the catalog governor applies it, per the publishers' config.
            self.shared_tag = lf.CfnTag(self, "SharedWithTag", catalog_id=Stack.of(self).account,
                                        tag_key=key_of(self, shared_with(zone)), tag_values=[SHARED_VALUE])
            tag_grant(self, "GovernorMayApplySharedWith", principal=governor, key=shared_with(zone),
                      values=[SHARED_VALUE], permissions=["ASSOCIATE", "DESCRIBE"]).node.add_dependency(self.shared_tag)
        people = [(arn, False) for arn in readers] + [(arn, True) for arn in pii_readers]
        for i, (arn, pii) in enumerate(people):
            kind = "PiiReader" if pii else "Reader"
            tag_policy_grant(self, f"{kind}{i}Databases", principal=arn, resource_type="DATABASE",
                             expression=own, permissions=["DESCRIBE"])
            tag_policy_grant(self, f"{kind}{i}Tables", principal=arn, resource_type="TABLE",
                             expression={**own, SENSITIVITY: [GENERAL, PII] if pii else [GENERAL]},
                             permissions=READ)
            if self.shared_tag is not None:
                grant = tag_policy_grant(self, f"{kind}{i}Shared", principal=arn, resource_type="TABLE",
                                         expression={shared_with(zone): [SHARED_VALUE], SENSITIVITY: [GENERAL]},
                                         permissions=READ)
                grant.node.add_dependency(self.shared_tag)
