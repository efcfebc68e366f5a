"""Per-zone keys for hashing PII, so equal values join within a zone but not across zones.

Locally the key is a file under ``$LAKE_HOME/platform/keys`` created with mode 0600 on first
use; on AWS it comes from Secrets Manager (``PII_KEY_SECRET_ARN``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def zone_key(keys_dir: Path, zone: str) -> bytes:
    arn = os.environ.get("PII_KEY_SECRET_ARN")
    if arn:  # on AWS: one secret holding {"<zone>": "<hex key>", ...}
        import json

        import boto3

        value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        return bytes.fromhex(json.loads(value)[zone])
    path = keys_dir / f"{zone}.key"
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes racing to create the key cannot end with two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return bytes.fromhex(path.read_text().strip())
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


PLATFORM = "_platform"  # not a valid zone name, so it can never be a zone's key


def platform_key(keys_dir: Path) -> bytes:
    """The platform's own key (audit records, e.g. the hashed subject of an erasure): no zone has it.

    On AWS it is the ``"_platform"`` entry of the same secret."""
    return zone_key(keys_dir, PLATFORM)


def hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
