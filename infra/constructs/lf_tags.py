"""The lake-wide LF-tags (see infra/lf.py for what each one means)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_lakeformation as lf
from constructs import Construct

from infra.lf import GENERAL, LAYER, MAX_TAG_VALUES, PII, READABLE_LAYERS, SENSITIVITY, ZONE, key_of


class LfTags(Construct):
    def __init__(self, scope: Construct, id: str, *, zones: Sequence[str]) -> None:
        super().__init__(scope, id)
        if len(zones) > MAX_TAG_VALUES:
            raise ValueError(f"{len(zones)} zones: the '{ZONE}' LF-tag holds at most {MAX_TAG_VALUES} values "
                             "in CloudFormation; split the lake or manage the tag's values outside it")
        account = Stack.of(self).account
        self.tags = {
            key: lf.CfnTag(self, key.title(), catalog_id=account, tag_key=key_of(self, key),
                           tag_values=list(values))
            for key, values in ((ZONE, sorted(zones)), (LAYER, READABLE_LAYERS), (SENSITIVITY, (PII, GENERAL)))
        }
