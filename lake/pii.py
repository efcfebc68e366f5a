"""Per-zone keys for hashing PII, so equal values join within a zone but not across zones.

Locally the key is a file under ``$LAKE_HOME/platform/keys`` created with mode 0600 on first
use; on AWS each zone's key is a Secrets Manager secret (``PII_KEY_SECRETS``: zone -> ARN,
the zones a job may hash for; infra/constructs/pii_keys.py).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from pathlib import Path


def zone_key(keys_dir: Path, zone: str) -> bytes:
    secret_arns = os.environ.get("PII_KEY_SECRETS")
    if secret_arns is not None:  # on AWS: {"<zone>": "<secret ARN>"} for the zones this job hashes
        arn = json.loads(secret_arns).get(zone)
        if not arn:
            raise PermissionError(f"no PII key for zone {zone} in PII_KEY_SECRETS: this job may not hash its data")
        return _secret_key(arn)
    if os.environ.get("LAKE_BACKEND") == "aws":
        # A key file made here would be new on every run: stored hashes would never match again.
        raise RuntimeError("PII_KEY_SECRETS is not set: on AWS the PII keys come from Secrets Manager")
    path = keys_dir / f"{zone}.key"
    if not path.exists():
        _create_key(keys_dir, path)
    key = bytes.fromhex(path.read_text().strip())
    if len(key) != 32:
        raise RuntimeError(f"PII key file {path} holds {len(key)} bytes, not 32: restore it from a backup "
                           "(a new key would make every stored hash unmatchable)")
    return key


def _create_key(keys_dir: Path, path: Path) -> None:
    """Publish a new key whole: written to a private temporary file, then hard-linked into place, which
    fails if another process got there first. A racing reader sees no file or the whole key, never a
    half-written one (an empty key would hash silently, and differently)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=keys_dir, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        os.link(tmp, path)
    except FileExistsError:
        pass  # the other process's key stands
    finally:
        os.unlink(tmp)


@functools.cache
def _secret_key(arn: str) -> bytes:
    import boto3

    return bytes.fromhex(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"].strip())


PLATFORM = "_platform"  # not a valid zone name, so it can never be a zone's key


def platform_key(keys_dir: Path) -> bytes:
    """The platform's own key (audit records, e.g. the hashed subject of an erasure): no zone has it.

    On AWS it is the ``"_platform"`` entry of ``PII_KEY_SECRETS`` (its own secret)."""
    return zone_key(keys_dir, PLATFORM)


def hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
