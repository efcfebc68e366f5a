"""Search every file under a folder for byte strings, looking inside what compression hides.

Each file is searched as raw bytes, and also as what it decodes to where it can be decoded:
gzip streams, Parquet (every value of every column, read with pyarrow), Avro object containers
(Iceberg manifests: the deflated blocks inflated), SQLite databases (every row of every table; their
free pages and WAL frames are in the raw bytes). File and folder names are searched too.
Case-insensitive.
"""

from __future__ import annotations

import gzip
import io
import sqlite3
import zlib
from pathlib import Path

import pyarrow.parquet as pq


def _long(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    pos += 1
    n, shift = b & 0x7F, 7
    while b & 0x80:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
    return (n >> 1) ^ -(n & 1), pos


def avro_content(data: bytes) -> bytes:
    """The decompressed data blocks of an Avro object container file (codec null or deflate)."""
    pos, meta = 4, {}
    while True:
        count, pos = _long(data, pos)
        if count == 0:
            break
        if count < 0:
            count = -count
            _, pos = _long(data, pos)
        for _ in range(count):
            n, pos = _long(data, pos)
            key = data[pos:pos + n].decode()
            pos += n
            n, pos = _long(data, pos)
            meta[key] = data[pos:pos + n]
            pos += n
    pos += 16  # sync marker
    codec, out = meta.get("avro.codec", b"null"), []
    while pos < len(data):
        _, pos = _long(data, pos)
        size, pos = _long(data, pos)
        block = data[pos:pos + size]
        pos += size + 16
        out.append(zlib.decompress(block, -15) if codec == b"deflate" else block)
    if codec not in (b"null", b"deflate"):
        raise ValueError(f"avro codec {codec!r} not supported by this search")
    return b"".join(out)


def _parquet_text(data: bytes) -> bytes:
    table = pq.read_table(io.BytesIO(data))
    return repr(table.to_pylist()).encode("utf-8", "backslashreplace")


def _sqlite_rows(data: bytes) -> bytes:
    """Every row of every table of a SQLite database image (text as stored, blobs as bytes)."""
    con = sqlite3.connect(":memory:")
    try:
        # A WAL-mode header (bytes 18-19 = 2) cannot be opened in memory: read it as rollback mode.
        # What only the -wal file holds is in that file's raw bytes, which are searched too.
        con.deserialize(data[:18] + b"\x01\x01" + data[20:])
        out = []
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            for row in con.execute(f'SELECT * FROM "{name}"'):
                out += [v if isinstance(v, bytes) else str(v).encode("utf-8", "backslashreplace") for v in row]
        return b"\n".join(out)
    finally:
        con.close()


def views(data: bytes) -> list[tuple[str, bytes]]:
    """(how, bytes) for the raw bytes and each decoding that applies."""
    out = [("raw", data)]
    if data[:2] == b"\x1f\x8b":
        inner = gzip.decompress(data)
        out += [(f"gzip>{how}", b) for how, b in views(inner)]
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1":
        out.append(("parquet values", _parquet_text(data)))
    if data[:4] == b"Obj\x01":
        out.append(("avro blocks", avro_content(data)))
    if data[:16] == b"SQLite format 3\x00":
        out.append(("sqlite rows", _sqlite_rows(data)))
    return out


def find(root: Path, needles: list[str]) -> list[str]:
    """Every place under ``root`` (any directory tree: a lake home, the twin's bucket folders) where a
    needle occurs: in a file or folder name, or in a file's bytes as stored or decoded. Hidden files,
    temp files and SQLite databases (with their WAL) included: nothing is skipped."""
    wanted = {n.lower().encode() for n in needles}
    hits = []
    for path in sorted(root.rglob("*")):  # pathlib's glob matches hidden names too
        name = path.relative_to(root).as_posix().lower().encode()
        hits += [f"{path.relative_to(root)} (name): {n.decode()}" for n in wanted if n in name]
        if not path.is_file() or path.is_symlink():
            continue
        for how, data in views(path.read_bytes()):
            low = data.lower()
            hits += [f"{path.relative_to(root)} ({how}): {n.decode()}" for n in wanted if n in low]
    return hits


def decoded_kinds(root: Path) -> set[str]:
    """Which decodings the search used under ``root`` (so a test can show it looked inside)."""
    return {how for p in root.rglob("*") if p.is_file() for how, _ in views(p.read_bytes())}
