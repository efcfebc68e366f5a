"""One S3 truth for moto and Spark: around each Glue job run, moto's objects are mirrored into a
folder (``<root>/<bucket>/<key>``, what the job's ``s3://`` paths map to), and afterwards every file
the run added, changed or removed goes back into moto, as the job's own S3 calls (so its writes
are recorded and its buckets' events fire). Only what changed is copied either way."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Mirror:
    root: Path
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)  # "bucket/key" -> (size, mtime_ns) on disk
    _etags: dict[str, str] = field(default_factory=dict)  # "bucket/key" -> moto etag mirrored

    def export(self, s3: Any) -> None:
        """moto -> folder (current versions; removed objects leave the folder too)."""
        present: set[str] = set()
        for b in s3.list_buckets()["Buckets"]:
            bucket = b["Name"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    name = f"{bucket}/{obj['Key']}"
                    present.add(name)
                    path = self.root / name
                    if self._etags.get(name) == obj["ETag"] and path.exists():
                        continue
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                    self._etags[name] = obj["ETag"]
                    st = path.stat()
                    self._seen[name] = (st.st_size, st.st_mtime_ns)
        for name in [n for n in self._seen if n not in present]:
            (self.root / name).unlink(missing_ok=True)
            self._seen.pop(name, None)
            self._etags.pop(name, None)

    def absorb(self, s3: Any) -> tuple[int, int]:
        """folder -> moto: (files put, objects deleted)."""
        now: dict[str, tuple[int, int]] = {}
        for dirpath, _, files in os.walk(self.root):
            for f in files:
                path = Path(dirpath) / f
                st = path.stat()
                now[path.relative_to(self.root).as_posix()] = (st.st_size, st.st_mtime_ns)
        put = deleted = 0
        for name, sig in now.items():
            if self._seen.get(name) != sig:
                bucket, _, key = name.partition("/")
                out = s3.put_object(Bucket=bucket, Key=key, Body=(self.root / name).read_bytes())
                self._etags[name] = out["ETag"]
                put += 1
        for name in [n for n in self._seen if n not in now]:
            bucket, _, key = name.partition("/")
            s3.delete_object(Bucket=bucket, Key=key)
            self._etags.pop(name, None)
            deleted += 1
        self._seen = now
        return put, deleted
