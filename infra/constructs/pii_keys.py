"""The HMAC keys that hash PII: one generated secret per zone holding personal data, and the
platform's own (it keys the value hashes of the erasure audit, ``platform.erasures``).

``lake.pii.zone_key`` reads them through ``PII_KEY_SECRETS`` (JSON: zone -> secret ARN); a job
is given exactly the zones it hashes for. Stateful: a lost key would make every stored hash
unmatchable (joins across batches, erasure), so the secrets RETAIN unless ``lake:allowDestroy``.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

PLATFORM = "_platform"  # lake.pii.platform_key: not a valid zone name, never a zone's key
# 64 lowercase hex digits: 256 random bits, the form lake.pii reads with bytes.fromhex.
NOT_HEX = "".join(sorted(set(string.ascii_lowercase) - set("abcdef")))


class PiiKeys(Construct):
    def __init__(self, scope: Construct, id: str, *, zones: Sequence[str], key: kms.IKey,
                 allow_destroy: bool) -> None:
        super().__init__(scope, id)
        self.key = key
        self.secrets: dict[str, secretsmanager.Secret] = {}
        for zone in [*zones, PLATFORM]:
            self.secrets[zone] = secretsmanager.Secret(
                self, f"Key-{zone}", encryption_key=key,
                description=f"Insight Lake: HMAC-SHA256 key hashing {zone}'s PII (hex). Never rotate on a "
                            "schedule: a new key changes every stored hash.",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=64, exclude_uppercase=True, exclude_punctuation=True, include_space=False,
                    exclude_characters=NOT_HEX),
                removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN)

    def _chosen(self, zones: Iterable[str]) -> dict[str, secretsmanager.Secret]:
        return {z: self.secrets[z] for z in zones if z in self.secrets}

    def secrets_json(self, zones: Iterable[str]) -> str:
        """The ``PII_KEY_SECRETS`` value (zone -> secret ARN) for a job hashing these zones' PII."""
        chosen = self._chosen(zones)
        if not chosen:
            return json.dumps({})
        return Stack.of(self).to_json_string({z: s.secret_arn for z, s in chosen.items()})

    def grant_read(self, grantee: iam.IGrantable, zones: Iterable[str]) -> None:
        """Read these zones' keys. On the principal's policy only: the secrets' ``grant_read`` would
        add the (other stack's) role to the lake key's policy, a cross-stack cycle."""
        chosen = self._chosen(zones)
        if not chosen:
            return
        principal = grantee.grant_principal
        principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[s.secret_arn for s in chosen.values()]))
        principal.add_to_principal_policy(iam.PolicyStatement(
            actions=["kms:Decrypt"], resources=[self.key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{Stack.of(self).region}.amazonaws.com"}}))
