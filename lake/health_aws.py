"""Where ``lake.health`` reads a table as stored on AWS: the Glue Data Catalog and S3.

An Iceberg table (ODS, analytics) is the Glue table whose ``metadata_location`` parameter names its
current metadata JSON in S3 (Iceberg's GlueCatalog swaps it on every commit); the health model reads
that one small file, never the data. A staging table is the Glue (Hive) table over the validator's
Parquet files: rows are the files' Parquet footers, read with two ranged GETs each, no data pages.
Everything goes through the caller's boto3 session, so Lake Formation and IAM decide what it sees.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlparse


class TableUnreadable(RuntimeError):
    """A table whose stored state cannot be read (its catalog entry points at a missing or broken Iceberg
    metadata file): shown as that table's problem, the other tables still answer."""

    def __init__(self, table: str, location: str, reason: str):
        self.table, self.location, self.reason = table, location, reason
        super().__init__(f"{table}: cannot read its Iceberg metadata at {location}: {reason}; restore that file "
                         "or point the catalog's metadata_location at the table's newest metadata file")


def _s3_reason(err: Any) -> str:
    code = err.response.get("Error", {}).get("Code", "")
    if code in ("NoSuchKey", "404", "NotFound"):
        return "the S3 object does not exist (NoSuchKey)"
    if code == "NoSuchBucket":
        return "the S3 bucket does not exist (NoSuchBucket)"
    if code in ("AccessDenied", "403"):
        return "access denied reading the S3 object (AccessDenied)"
    return f"S3 refused the read ({code or err})"


def glue_name(table: str) -> tuple[str, str]:
    """``finance_ods.expenses`` -> the Glue (database, table) it is registered as (the stage's catalog
    prefix on the database, lake.namespace)."""
    from lake.namespace import physical_database

    db, name = table.split(".", 1)
    return physical_database(db), name


def _s3_url(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    if parts.scheme not in ("s3", "s3a", "s3n") or not parts.netloc:
        raise ValueError(f"not an S3 location: {url}")
    return parts.netloc, parts.path.lstrip("/")


class _RangedObject(io.RawIOBase):
    """A seekable, read-only S3 object: what pyarrow needs to read a Parquet footer (its tail only)."""

    def __init__(self, s3: Any, bucket: str, key: str, size: int):
        self.s3, self.bucket, self.key, self.size, self.pos = s3, bucket, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self.pos + n)
        if end <= self.pos:
            return b""
        body = self.s3.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.pos}-{end - 1}")["Body"]
        data = body.read()
        self.pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class GlueTables:
    """The tables of a deployed lake, as ``lake.health`` reads them (``metadata`` and ``staged``)."""

    def __init__(self, session: Any | None = None, catalog_id: str | None = None):
        import boto3

        session = session or boto3.Session()
        self.glue, self.s3 = session.client("glue"), session.client("s3")
        self.catalog = {"CatalogId": catalog_id} if catalog_id else {}

    @classmethod
    def of_clients(cls, glue: Any, s3: Any) -> GlueTables:
        """Over clients the caller made already (the twin's, an assumed role's)."""
        out = cls.__new__(cls)
        out.glue, out.s3, out.catalog = glue, s3, {}
        return out

    def _table(self, table: str) -> dict[str, Any] | None:
        db, name = glue_name(table)
        try:
            return self.glue.get_table(**self.catalog, DatabaseName=db, Name=name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return None  # not created yet: the first commit (or staged file) creates it

    def metadata(self, table: str) -> dict[str, Any] | None:
        """The Iceberg table's current metadata; None when the table was never created.

        Raises ``TableUnreadable`` (naming the table and its metadata location) when the catalog points at
        an object that is missing, not readable or not JSON: one broken table, not a failed command."""
        from botocore.exceptions import BotoCoreError, ClientError

        found = self._table(table)
        location = (found or {}).get("Parameters", {}).get("metadata_location")
        if not location:
            return None
        try:
            bucket, key = _s3_url(location)
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as err:
            raise TableUnreadable(table, location, _s3_reason(err)) from err
        except (BotoCoreError, ValueError) as err:
            raise TableUnreadable(table, location, str(err)) from err
        try:
            md = json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise TableUnreadable(table, location, f"not Iceberg metadata JSON ({err})") from err
        if not isinstance(md, dict):
            raise TableUnreadable(table, location, "not Iceberg metadata JSON (not an object)")
        return md

    def staged(self, table: str) -> tuple[int, float] | None:
        """(rows, newest file's mtime in epoch seconds) of a staging table; None when nothing is staged."""
        import pyarrow.parquet as pq

        found = self._table(table)
        if found is None:
            return None
        bucket, prefix = _s3_url(found["StorageDescriptor"]["Location"])
        rows, newest = 0, None
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if not obj["Key"].endswith(".parquet"):
                    continue
                rows += pq.read_metadata(_RangedObject(self.s3, bucket, obj["Key"], obj["Size"])).num_rows
                at = obj["LastModified"].timestamp()
                newest = at if newest is None else max(newest, at)
        return None if newest is None else (rows, newest)
