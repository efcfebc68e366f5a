"""What Spark read inside a Glue job run, as the job's S3 calls for the access proof.

``TwinS3FileSystem`` (``runtime/java/lake/twin/``) writes each distinct read of a run as a line
``<op>\\t<bucket>\\t<key or prefix>``: ``GetObject`` (a file opened), ``HeadObject`` (a file's status),
``List`` (a listing, or the status of a folder or missing path: S3A lists the prefix ``key/``). Here
they become the calls S3A makes on AWS (``s3:GetObject``, ``s3:HeadObject``, ``s3:ListObjectsV2``),
recorded as the job's, beside what the run wrote (``s3mirror``: ``PutObject``/``DeleteObject``).

Reads of the swapped Iceberg catalog's bucket stay in that bucket's names (the proof maps
``warehouse/<database>/<table>/…`` to the database's location, as it does for the writes); what lies
outside a table there (the Derby metastore's warehouse, the Hadoop catalog's listing of a namespace)
is the twin's own bookkeeping, which Glue's catalog does through Glue API calls, not S3: not recorded;
nor is the Hadoop catalog's ``metadata/version-hint.text`` (Glue's catalog keeps a table's current
metadata location in the Glue table, not in S3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HINT = "version-hint.text"
ACTIONS = {"GetObject": "s3:GetObject", "HeadObject": "s3:HeadObject", "List": "s3:ListObjectsV2"}


def calls(reads: Path, component: str, catalog_bucket: str) -> list[dict[str, Any]]:
    """The recorded calls of one run's reads file (none if Spark read nothing through S3)."""
    if not reads.exists():
        return []
    out = []
    for line in reads.read_text(encoding="utf-8").splitlines():
        op, bucket, key = line.split("\t", 2)
        if bucket == catalog_bucket and (not _in_a_table(key) or HINT in key.split("/")):
            continue
        name = "Prefix" if op == "List" else "Key"
        out.append({"component": component, "action": ACTIONS[op], "resources": {"Bucket": bucket, name: key}})
    return out


def _in_a_table(key: str) -> bool:
    """``warehouse/<database>/<table>…``: an Iceberg table's folder or below."""
    parts = key.split("/")
    return len(parts) >= 3 and parts[0] == "warehouse" and bool(parts[1]) and bool(parts[2])


def record(reads: Path, calls_file: Path, component: str, catalog_bucket: str) -> int:
    """Append the run's reads to the twin's calls file; how many."""
    found = calls(reads, component, catalog_bucket)
    if found:
        with calls_file.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(c) + "\n" for c in found)
    return len(found)
