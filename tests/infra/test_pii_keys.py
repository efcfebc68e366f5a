"""PII keys on AWS: one generated secret per zone holding PII; each to_ods job reads its own
zone's key only (passed as PII_KEY_SECRETS), erasure reads every one it needs to match hashes."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from infra.composer import Lake
from tests.infra.helpers import lid, permissions


def _readable(template: Template, role: object) -> set[str]:
    return {r for a, r in permissions(template, prefix="secretsmanager:GetSecretValue", role_lid=lid(role))}  # type: ignore[arg-type]


def test_one_hex_key_per_zone_holding_pii_and_the_platform(lake: Lake, storage: Template) -> None:
    assert sorted(lake.storage.pii_keys.secrets) == ["_platform", "customer_success", "finance"]  # executive: no PII
    secrets = storage.find_resources("AWS::SecretsManager::Secret")
    assert len(secrets) == 3
    for s in secrets.values():
        gen = s["Properties"]["GenerateSecretString"]
        assert gen["PasswordLength"] == 64 and gen["ExcludeUppercase"] and gen["ExcludePunctuation"]
        assert set(gen["ExcludeCharacters"]) & set("0123456789abcdef") == set()
        assert "KmsKeyId" in s["Properties"]
        assert s["DeletionPolicy"] == "Retain"


def test_to_ods_reads_its_own_zone_key_only(lake: Lake, templates: dict[str, Template]) -> None:
    for name in ("finance", "customer_success"):
        zone = lake.zones[name]
        readable = _readable(templates[f"Zone-{name}"], zone.to_ods.role)  # type: ignore[union-attr]
        assert len(readable) == 1, readable
        assert lid(lake.storage.pii_keys.secrets[name]) in next(iter(readable))
        [job] = [j for j in templates[f"Zone-{name}"].find_resources("AWS::Glue::Job").values()
                 if j["Properties"]["Description"].startswith("Promote staged")]
        arg = json.dumps(job["Properties"]["DefaultArguments"]["--pii_key_secrets"])
        assert name in arg and "_platform" not in arg


def test_erasure_reads_every_pii_key(lake: Lake, templates: dict[str, Template]) -> None:
    readable = _readable(templates["Pipeline"], lake.pipeline.erasure_jobs.role)
    assert len(readable) == 3
    for zone in ("finance", "customer_success", "_platform"):
        assert any(lid(lake.storage.pii_keys.secrets[zone]) in r for r in readable), zone
