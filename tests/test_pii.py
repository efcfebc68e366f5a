"""lake.pii on AWS: each zone's key from Secrets Manager (moto), never a key made up per run."""

from __future__ import annotations

import boto3
import pytest

from lake import pii

KEY = "ab" * 32


@pytest.fixture
def secrets(aws: None):  # noqa: ANN201
    pii._secret_key.cache_clear()
    yield boto3.client("secretsmanager")
    pii._secret_key.cache_clear()


def test_zone_key_comes_from_that_zones_secret(secrets, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    arn = secrets.create_secret(Name="finance-pii", SecretString=KEY)["ARN"]
    monkeypatch.setenv("PII_KEY_SECRETS", f'{{"finance": "{arn}"}}')
    assert pii.zone_key(tmp_path, "finance") == bytes.fromhex(KEY)
    assert not list(tmp_path.iterdir())  # no key file written on AWS


def test_a_job_cannot_hash_for_a_zone_it_was_not_given(secrets, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    arn = secrets.create_secret(Name="finance-pii", SecretString=KEY)["ARN"]
    monkeypatch.setenv("PII_KEY_SECRETS", f'{{"finance": "{arn}"}}')
    with pytest.raises(PermissionError, match="customer_success"):
        pii.zone_key(tmp_path, "customer_success")


def test_on_aws_without_secrets_no_key_is_invented(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.delenv("PII_KEY_SECRETS", raising=False)
    monkeypatch.setenv("LAKE_BACKEND", "aws")
    with pytest.raises(RuntimeError, match="PII_KEY_SECRETS"):
        pii.zone_key(tmp_path, "finance")
    assert not list(tmp_path.iterdir())
