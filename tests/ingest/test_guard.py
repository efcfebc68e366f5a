"""The guarded pass over an uncompressed file: the bytes handed to the parser, their hash, the NUL check."""

from __future__ import annotations

import hashlib
import io

import pytest

from lake.ingest.guard import STEP, GuardedReader, Limits, Source
from lake.ingest.readers import FileRejected

LIMITS = Limits(1 << 40, 100)


def test_every_byte_is_handed_on_and_hashed_whatever_the_read_sizes(tmp_path):
    data = bytes(range(1, 256)) * (3 * STEP // 255 + 7)  # no NUL; three steps and a ragged tail
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    src = Source(path, False, LIMITS, text=True)
    f = src.open()
    got = bytearray()
    for size in (1, 1000, STEP + 3, 7 * STEP):
        got += f.read(size)
    got += f.read()
    assert bytes(got) == data and src.last is not None and src.last.eof
    assert src.last.digest() == hashlib.sha256(data).hexdigest() and src.last.content_bytes == len(data)


def test_an_empty_read_request_is_not_the_end_of_the_file(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n")
    raw = GuardedReader(path, False, LIMITS, text=True)
    assert raw.readinto(memoryview(bytearray(0))) == 0 and not raw.eof
    assert io.BufferedReader(raw).read() == b"a,b\n1,2\n" and raw.eof


def test_a_nul_byte_far_in_is_named_by_its_offset(tmp_path):
    data = b"a,b\n" + b"1,2\n" * STEP
    at = len(data) - 5
    path = tmp_path / "f.csv"
    path.write_bytes(data[:at] + b"\x00" + data[at + 1:])
    with pytest.raises(FileRejected, match=f"NUL byte at content byte offset {at};"):
        Source(path, False, LIMITS, text=True).open().read()
