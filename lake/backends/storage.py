"""Object storage: S3 on AWS, folders under ``$LAKE_HOME`` locally.

Keys are S3 keys in both; a local bucket is the folder of that name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # locally the SHA-256 of the bytes, as S3's ETag identifies content


class Storage(Protocol):
    def open(self, bucket: str, key: str) -> BinaryIO: ...
    def head(self, bucket: str, key: str) -> ObjectInfo: ...
    def put_file(self, bucket: str, key: str, path: Path) -> None: ...
    def put_bytes(self, bucket: str, key: str, data: bytes) -> None: ...
    def copy_hashing(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> str: ...
    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def delete(self, bucket: str, key: str) -> None: ...
    def local_path(self, bucket: str, key: str) -> Path | None: ...


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, bucket: str, key: str) -> Path:
        path = (self.root / bucket / key).resolve()
        if not path.is_relative_to((self.root / bucket).resolve()):
            raise ValueError(f"key escapes its bucket: {key}")
        return path

    def local_path(self, bucket: str, key: str) -> Path | None:
        return self._path(bucket, key)

    def open(self, bucket: str, key: str) -> BinaryIO:
        return self._path(bucket, key).open("rb")

    def head(self, bucket: str, key: str) -> ObjectInfo:
        path = self._path(bucket, key)
        return ObjectInfo(bucket, key, path.stat().st_size, sha256_file(path))

    def put_file(self, bucket: str, key: str, path: Path) -> None:
        dst = self._path(bucket, key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dst)  # readers never see a half-written object, as on S3

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        dst = self._path(bucket, key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dst)

    def copy_hashing(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> str:
        """Byte-exact copy, streamed, returning the SHA-256 of what was copied."""
        dst = self._path(dst_bucket, dst_key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp, h = dst.with_name(f".{dst.name}.tmp"), hashlib.sha256()
        with self.open(src_bucket, src_key) as src, tmp.open("wb") as out:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                out.write(chunk)
        os.replace(tmp, dst)
        return h.hexdigest()

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / bucket
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            in_flight = path.name.startswith(".") and path.name.endswith(".tmp")  # our atomic-write temp
            if path.is_file() and key.startswith(prefix) and not in_flight:
                yield ObjectInfo(bucket, key, path.stat().st_size, "")

    def delete(self, bucket: str, key: str) -> None:
        self._path(bucket, key).unlink(missing_ok=True)
