"""Object storage: S3 on AWS, folders under ``$LAKE_HOME`` locally.

Keys are S3 keys in both; a local bucket is the folder of that name. Object metadata
(S3 ``x-amz-meta-*``) is kept locally in a sidecar tree ``.meta/<bucket>/<key>.json``
outside every bucket folder, so listings never see it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # locally the SHA-256 of the bytes, as S3's ETag identifies content
    version_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class NotFound(KeyError):
    """The object does not exist (S3 404 / missing file)."""


class Storage(Protocol):
    def open(self, bucket: str, key: str) -> BinaryIO: ...
    def head(self, bucket: str, key: str) -> ObjectInfo: ...
    def put_file(self, bucket: str, key: str, path: Path, metadata: dict[str, str] | None = None) -> None: ...
    def put_bytes(self, bucket: str, key: str, data: bytes) -> None: ...
    def copy_hashing(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                     metadata: dict[str, str] | None = None, src_version: str | None = None) -> str: ...
    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def delete(self, bucket: str, key: str) -> None: ...
    def purge_old_versions(self, bucket: str, key: str) -> int: ...
    def local_path(self, bucket: str, key: str) -> Path | None: ...
    def writer(self, bucket: str, key: str) -> AbstractContextManager[Path]: ...
    def readable(self, bucket: str, key: str) -> AbstractContextManager[Path]: ...
    def symlink(self, bucket: str, key: str) -> str | None: ...


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _identity(path: Path) -> tuple[int, int, int, int]:
    """A file's identity for as long as nobody writes it: any write changes its mtime (or size)."""
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _copy_in_kernel(src: BinaryIO, out: BinaryIO) -> None:
    """The bytes of ``src`` into ``out`` without passing through this process (``copy_file_range``:
    a reflink where the file system has them, an in-kernel copy elsewhere). OSError when unsupported."""
    src_fd, out_fd = src.fileno(), out.fileno()
    while os.copy_file_range(src_fd, out_fd, 1 << 30):
        pass


def _copy_hashing_in_kernel(src: BinaryIO, out: BinaryIO, src_path: Path, dst_path: Path) -> str | None:
    """Copy in the kernel while this thread hashes the source (both release the GIL, so on two cores
    the copy costs about one read); the SHA-256 of what the copy holds. None (nothing written) when
    the file system has no ``copy_file_range``: the caller then copies through this process."""
    import threading

    before = _identity(src_path)
    failed: list[OSError] = []

    def copy() -> None:
        try:
            _copy_in_kernel(src, out)
        except OSError as err:
            failed.append(err)

    worker = threading.Thread(target=copy, name="copy-in-kernel")
    worker.start()
    try:
        sha = sha256_file(src_path)
    finally:
        worker.join()
    if failed:
        src.seek(0)
        out.seek(0)
        out.truncate()
        return None
    if _identity(src_path) != before:  # written while copied: hash what the copy holds
        out.flush()
        return sha256_file(dst_path)
    return sha


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead_temps(dst: Path) -> None:
    """Temp files of earlier writers of ``dst`` whose process is gone (or that predate pid names)."""
    for tmp in dst.parent.glob(f".{glob_escape(dst.name)}.*tmp"):
        pid = tmp.name[len(dst.name) + 2:-len(".tmp")]
        if tmp.name == f".{dst.name}.tmp" or (pid.isdigit() and not _pid_alive(int(pid))):
            tmp.unlink(missing_ok=True)


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root
        self._top = root.resolve()  # where syncing the folders of a new object stops
        # Called with (bucket, key, size) after each object is written: the local stand-in for
        # S3 -> EventBridge "Object Created", so the runtime can deliver the next event.
        self.listeners: list[Callable[[str, str, int], None]] = []
        # The SHA-256 of files this process wrote or hashed, by identity: `lake drop` of a 1 GB file
        # then reads it once for its hash (while copying it into ingress), not once more per lookup.
        self._digests: dict[tuple[int, int, int, int], str] = {}

    def _digest(self, path: Path) -> str:
        before = _identity(path)
        if (known := self._digests.get(before)) is not None:
            return known
        sha = sha256_file(path)
        if _identity(path) == before:  # not written meanwhile: the hash is of this version
            self._digests[before] = sha
        return sha

    def _path(self, bucket: str, key: str) -> Path:
        path = (self.root / bucket / key).resolve()
        if not path.is_relative_to((self.root / bucket).resolve()) or key.endswith("/") or not key:
            raise ValueError(f"not a valid object key in {bucket}: {key!r}")
        return path

    def symlink(self, bucket: str, key: str) -> str | None:
        """Where ``key`` points when it (or a folder on its way) is a symbolic link, else None. The lake
        never follows one: it could expose any file of the machine, or loop."""
        path = self.root / bucket
        for part in key.split("/"):
            path = path / part
            if path.is_symlink():
                return os.readlink(path)
        return None

    def _meta(self, bucket: str, key: str) -> Path:
        return self.root / ".meta" / bucket / f"{key}.json"

    def local_path(self, bucket: str, key: str) -> Path | None:
        return self._path(bucket, key)

    @contextmanager
    def readable(self, bucket: str, key: str) -> Iterator[Path]:
        """A local file with the object's bytes (here: the object itself; on S3 a temp download)."""
        path = self._path(bucket, key)
        if not path.is_file():
            raise NotFound(f"{bucket}/{key}")
        yield path

    def open(self, bucket: str, key: str) -> BinaryIO:
        try:
            return self._path(bucket, key).open("rb")
        except FileNotFoundError as err:
            raise NotFound(f"{bucket}/{key}") from err

    def head(self, bucket: str, key: str) -> ObjectInfo:
        path = self._path(bucket, key)
        if not path.is_file():
            raise NotFound(f"{bucket}/{key}")
        meta = self._meta(bucket, key)
        metadata = json.loads(meta.read_text()) if meta.exists() else {}
        return ObjectInfo(bucket, key, path.stat().st_size, self._digest(path), None, metadata)

    def _commit(self, tmp: Path, dst: Path) -> None:
        """Durable once it returns, as an S3 PUT is: what the lake acknowledges (a CDC slot position,
        a ledger outcome) must not be taken back by a power loss. Readers never see a half-written
        object: the rename is atomic."""
        _fsync(tmp)
        os.replace(tmp, dst)
        # The rename, and any folder made for it, lasts only once the folders are synced.
        for folder in dst.parents:
            _fsync(folder)
            if folder == self._top:
                break

    def put_file(self, bucket: str, key: str, path: Path, metadata: dict[str, str] | None = None) -> None:
        with self.writer(bucket, key) as tmp, path.open("rb") as src, tmp.open("wb") as out:
            sha = _copy_hashing_in_kernel(src, out, path, tmp)
            if sha is None:
                h = hashlib.sha256()
                while chunk := src.read(CHUNK):  # one read: copied and hashed (the object's etag) together
                    h.update(chunk)
                    out.write(chunk)
                sha = h.hexdigest()
        self._digests[_identity(self._path(bucket, key))] = sha
        if metadata is not None:  # replaces the object's metadata, as an S3 PUT does
            self._write_meta(bucket, key, metadata)

    def _write_meta(self, bucket: str, key: str, metadata: dict[str, str]) -> None:
        meta = self._meta(bucket, key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(metadata, sort_keys=True))

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        with self.writer(bucket, key) as tmp:
            tmp.write_bytes(data)

    @contextmanager
    def writer(self, bucket: str, key: str) -> Iterator[Path]:
        dst = self._path(bucket, key)
        dst.parent.mkdir(parents=True, exist_ok=True)
        # The temp file names its writer, so two writers never share one, and the temp files of a
        # writer that was killed (no ``finally`` runs on SIGKILL) are removed by the next one.
        _remove_dead_temps(dst)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        try:
            yield tmp
            if tmp.exists():  # a writer that removed its file has abandoned it: nothing appears
                self._commit(tmp, dst)
                for notify in self.listeners:
                    notify(bucket, key, dst.stat().st_size)
        finally:
            tmp.unlink(missing_ok=True)

    def copy_hashing(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                     metadata: dict[str, str] | None = None, src_version: str | None = None) -> str:
        """Byte-exact copy, returning the SHA-256 of what was copied (no versions locally).

        A source whose hash this process knows (it wrote or hashed that version) is copied in the
        kernel, as S3's server-side copy is; its hash stands if the source was not written during the
        copy. Otherwise the bytes are streamed through here and hashed on the way.
        """
        with self.writer(dst_bucket, dst_key) as tmp, self.open(src_bucket, src_key) as src, tmp.open("wb") as out:
            before = _identity(Path(src.name))
            sha = self._digests.get(before)
            if sha is not None:
                try:
                    _copy_in_kernel(src, out)
                except OSError:  # no copy_file_range here (another file system, an old kernel)
                    sha = None
                    src.seek(0)
                    out.seek(0)
                    out.truncate()
                if sha is not None and _identity(Path(src.name)) != before:
                    sha = sha256_file(tmp)  # written while copied: the hash of what the copy holds
            if sha is None:
                h = hashlib.sha256()
                while chunk := src.read(CHUNK):
                    h.update(chunk)
                    out.write(chunk)
                sha = h.hexdigest()
        self._digests[_identity(self._path(dst_bucket, dst_key))] = sha
        if metadata is not None:  # the landing copy carries its provenance, as S3 user metadata would
            self._write_meta(dst_bucket, dst_key, {**metadata, "sha256": sha})
        return sha

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / bucket
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            in_flight = path.name.startswith(".") and path.name.endswith(".tmp")  # our atomic-write temp
            # A symbolic link is listed (even a dangling one) so the sweep can refuse it on the record.
            if (path.is_file() or path.is_symlink()) and key.startswith(prefix) and not in_flight:
                yield ObjectInfo(bucket, key, path.lstat().st_size, "")

    def delete(self, bucket: str, key: str) -> None:
        self._path(bucket, key).unlink(missing_ok=True)
        self._meta(bucket, key).unlink(missing_ok=True)

    def purge_old_versions(self, bucket: str, key: str) -> int:
        return 0  # a folder keeps no versions: replacing a file is the end of its old bytes


class S3Storage:
    """The same interface over S3. Work files live in the Lambda's (or Glue job's) /tmp."""

    def __init__(self, client: object | None = None):
        import boto3

        self.s3: Any = client or boto3.client("s3")

    def local_path(self, bucket: str, key: str) -> Path | None:
        return None

    def symlink(self, bucket: str, key: str) -> str | None:
        return None  # S3 has no links

    def open(self, bucket: str, key: str) -> BinaryIO:
        try:
            return self.s3.get_object(Bucket=bucket, Key=key)["Body"]
        except self.s3.exceptions.NoSuchKey as err:
            raise NotFound(f"{bucket}/{key}") from err

    def head(self, bucket: str, key: str) -> ObjectInfo:
        from botocore.exceptions import ClientError

        try:
            h = self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError as err:
            if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise NotFound(f"{bucket}/{key}") from err
            raise
        return ObjectInfo(bucket, key, h["ContentLength"], h["ETag"].strip('"'), h.get("VersionId"),
                          h.get("Metadata", {}))

    def put_file(self, bucket: str, key: str, path: Path, metadata: dict[str, str] | None = None) -> None:
        extra = {"Metadata": metadata} if metadata is not None else None
        self.s3.upload_file(str(path), bucket, key, ExtraArgs=extra)

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=bucket, Key=key, Body=data)

    @contextmanager
    def writer(self, bucket: str, key: str) -> Iterator[Path]:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lake-out-") as work:
            tmp = Path(work) / "object"
            yield tmp
            if tmp.exists():  # as locally: a writer that removed its file has abandoned it
                self.put_file(bucket, key, tmp)

    @contextmanager
    def readable(self, bucket: str, key: str) -> Iterator[Path]:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lake-in-") as work:
            path = Path(work) / key.rsplit("/", 1)[-1]
            try:
                self.s3.download_file(bucket, key, str(path))
            except Exception as err:
                self.head(bucket, key)  # NotFound when it is gone; otherwise the original error
                raise err
            yield path

    def copy_hashing(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                     metadata: dict[str, str] | None = None, src_version: str | None = None) -> str:
        """Hash the source version as it streams past, then copy exactly that version server-side."""
        h = hashlib.sha256()
        args = {"Bucket": src_bucket, "Key": src_key, **({"VersionId": src_version} if src_version else {})}
        body = self.s3.get_object(**args)["Body"]
        while chunk := body.read(CHUNK):
            h.update(chunk)
        source = {"Bucket": src_bucket, "Key": src_key, **({"VersionId": src_version} if src_version else {})}
        # S3 user metadata is ASCII: percent-encode anything else (a key with an accent, say).
        meta = {k: quote(v, safe="/:=+@-_.,~ ") for k, v in {**(metadata or {}), "sha256": h.hexdigest()}.items()}
        extra = {"MetadataDirective": "REPLACE", "Metadata": meta}
        self.s3.copy(source, dst_bucket, dst_key, ExtraArgs=extra)  # multipart if big
        return h.hexdigest()

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for o in page.get("Contents", []):
                yield ObjectInfo(bucket, o["Key"], o["Size"], o["ETag"].strip('"'))

    def delete(self, bucket: str, key: str) -> None:
        self.s3.delete_object(Bucket=bucket, Key=key)

    def purge_old_versions(self, bucket: str, key: str) -> int:
        """Delete every noncurrent version (and delete marker) of ``key``: in a versioned bucket a
        rewrite or delete keeps the old bytes otherwise. Needs s3:ListBucketVersions and
        s3:DeleteObjectVersion. Returns how many versions went."""
        try:
            current: str | None = self.head(bucket, key).version_id or "null"  # "null": unversioned
        except NotFound:
            current = None  # deleted: every version goes
        gone = 0
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
            for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if v["Key"] == key and v["VersionId"] != current:
                    self.s3.delete_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])
                    gone += 1
        return gone
