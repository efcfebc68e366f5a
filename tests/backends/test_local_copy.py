"""LocalStorage's landing copy: one read of a dropped file, and still the hash of the bytes copied."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lake.backends import storage
from lake.backends.storage import LocalStorage


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_dropped_file_is_hashed_once_and_copied_in_the_kernel(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"id,name\n" + b"1,a\n" * 100_000
    src = tmp_path / "drop.csv"
    src.write_bytes(data)
    s = LocalStorage(tmp_path / "lake")
    s.put_file("ingress", "z/d/drop.csv", src)
    hashed: list[Path] = []
    real = storage.sha256_file
    monkeypatch.setattr(storage, "sha256_file", lambda p: hashed.append(p) or real(p))
    in_kernel: list[int] = []
    real_copy = storage._copy_in_kernel
    monkeypatch.setattr(storage, "_copy_in_kernel", lambda a, b: in_kernel.append(1) or real_copy(a, b))

    assert s.head("ingress", "z/d/drop.csv").etag == _sha(data)
    assert s.copy_hashing("ingress", "z/d/drop.csv", "landing", "z/d/x/drop.csv", {"k": "v"}) == _sha(data)
    assert (tmp_path / "lake" / "landing" / "z/d/x/drop.csv").read_bytes() == data
    assert hashed == [] and in_kernel == [1]  # no second read for the etag, no bytes through Python
    assert s.head("landing", "z/d/x/drop.csv").etag == _sha(data)


def test_a_file_changed_after_it_was_hashed_is_hashed_again(tmp_path: Path) -> None:
    src = tmp_path / "drop.csv"
    src.write_bytes(b"a,b\n1,2\n")
    s = LocalStorage(tmp_path / "lake")
    s.put_file("ingress", "z/d/drop.csv", src)
    obj = tmp_path / "lake" / "ingress" / "z/d/drop.csv"
    obj.write_bytes(b"a,b\n1,2\n3,4\n")  # a producer rewrote it in place
    assert s.head("ingress", "z/d/drop.csv").etag == _sha(b"a,b\n1,2\n3,4\n")
    assert s.copy_hashing("ingress", "z/d/drop.csv", "landing", "k") == _sha(b"a,b\n1,2\n3,4\n")


def test_without_copy_file_range_the_bytes_are_streamed_and_hashed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(src_fd: int, dst_fd: int, count: int) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(storage.os, "copy_file_range", unsupported)
    data = b"x" * 3_000_000
    src = tmp_path / "drop.bin"
    src.write_bytes(data)
    s = LocalStorage(tmp_path / "lake")
    s.put_file("ingress", "drop.bin", src)
    assert s.copy_hashing("ingress", "drop.bin", "landing", "drop.bin") == _sha(data)
    assert (tmp_path / "lake" / "landing" / "drop.bin").read_bytes() == data


def test_a_dropped_file_is_copied_in_the_kernel_and_hashed_meanwhile(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"id,name\n" + b"1,a\n" * 100_000
    src = tmp_path / "drop.csv"
    src.write_bytes(data)
    in_kernel: list[int] = []
    real_copy = storage._copy_in_kernel
    monkeypatch.setattr(storage, "_copy_in_kernel", lambda a, b: in_kernel.append(1) or real_copy(a, b))
    s = LocalStorage(tmp_path / "lake")
    s.put_file("ingress", "z/d/drop.csv", src)
    assert in_kernel == [1] and (tmp_path / "lake" / "ingress" / "z/d/drop.csv").read_bytes() == data
    assert s.head("ingress", "z/d/drop.csv").etag == _sha(data)


def test_a_file_written_while_it_is_dropped_gets_the_hash_of_what_was_copied(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "drop.csv"
    src.write_bytes(b"a,b\n1,2\n")
    real_copy = storage._copy_in_kernel

    def producer_appends_first(a, b) -> None:  # noqa: ANN001
        with src.open("ab") as f:
            f.write(b"3,4\n")
        real_copy(a, b)

    monkeypatch.setattr(storage, "_copy_in_kernel", producer_appends_first)
    s = LocalStorage(tmp_path / "lake")
    s.put_file("ingress", "z/d/drop.csv", src)
    copied = (tmp_path / "lake" / "ingress" / "z/d/drop.csv").read_bytes()
    assert copied == b"a,b\n1,2\n3,4\n" and s.head("ingress", "z/d/drop.csv").etag == _sha(copied)
