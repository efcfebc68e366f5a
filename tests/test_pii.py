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


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PII_KEY_SECRETS", raising=False)
    monkeypatch.delenv("LAKE_BACKEND", raising=False)


def test_two_creators_at_once_end_with_one_whole_key(local: None, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    racer: list[bytes] = []
    real = pii.secrets.token_hex

    def another_process_asks_meanwhile(n: int) -> str:
        if not racer:  # while the first creator is making its key, a second one needs the key too
            racer.append(b"")
            racer.append(pii.zone_key(tmp_path, "finance"))
        return real(n)

    monkeypatch.setattr(pii.secrets, "token_hex", another_process_asks_meanwhile)
    first = pii.zone_key(tmp_path, "finance")
    assert len(first) == 32 and racer[1] == first  # never an empty or half-written key
    assert [p.name for p in tmp_path.iterdir()] == ["finance.key"]  # no temporary file left


def test_a_damaged_key_file_is_an_error_not_a_new_key(local: None, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "finance.key").write_text("abcd\n")
    with pytest.raises(RuntimeError, match=r"finance.key holds 2 bytes, not 32"):
        pii.zone_key(tmp_path, "finance")
