"""One guarded pass over a landed file: hashed, gunzipped, capped, and refused when binary.

Every reader takes its bytes from here, so whatever the format:
- the raw bytes actually read are hashed (SHA-256); ``convert`` compares the digest with the hash
  taken when the object arrived, and a torn or swapped landing copy is never staged;
- gzip is inflated in bounded steps and the decompressed size and ratio are capped while
  streaming (a "gzip bomb" stops at the cap, it is never inflated in full);
- a truncated gzip stream is refused by name, not as an obscure EOF deep inside a parser;
- text formats refuse a NUL byte anywhere in the content, not only in the first 64 KB.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from lake.ingest.readers import FileRejected

STEP = 1 << 20  # bytes read, and at most bytes inflated, per step


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # decompressed content
    max_ratio: int  # decompressed / compressed


class GuardedReader(io.RawIOBase):
    def __init__(self, path: Path, gz: bool, limits: Limits, text: bool):
        super().__init__()
        self._raw = path.open("rb")
        self._gz, self._limits, self._text = gz, limits, text
        self._hash = hashlib.sha256()
        self._inflate = zlib.decompressobj(wbits=31) if gz else None
        self._pending = b""  # compressed bytes not yet inflated
        self._out = b""  # content bytes not yet handed out
        self._buf = bytearray(STEP) if not gz else bytearray()  # a plain file's reads land here, reused
        self.raw_bytes = 0
        self.content_bytes = 0
        self.eof = False  # every raw byte was read (the digest is of the whole file)

    def readable(self) -> bool:
        return True

    def digest(self) -> str:
        return self._hash.hexdigest()

    def _read_raw(self) -> bytes:
        chunk = self._raw.read(STEP)
        self._hash.update(chunk)
        self.raw_bytes += len(chunk)
        if not chunk:
            self.eof = True
        return chunk

    def _next(self) -> bytes:
        """The next piece of content; b"" at its end."""
        if self._inflate is None:
            return self._read_raw()
        while True:
            if not self._pending:
                self._pending = self._read_raw()
                if not self._pending:
                    if not self._inflate.eof:
                        raise FileRejected(
                            f"gzip stream is truncated: the file ends after {self.raw_bytes} compressed bytes "
                            "without the end-of-stream marker (was the upload cut short? send it again)")
                    return b""
            if self._inflate.eof:  # a member ended and bytes follow: another member, or zero padding
                if not self._pending.strip(b"\x00"):
                    self._pending = b""
                    continue
                self._inflate = zlib.decompressobj(wbits=31)
            try:
                out = self._inflate.decompress(self._pending, STEP)
            except zlib.error as err:
                raise FileRejected(f"gzip stream is corrupt after {self.raw_bytes} compressed bytes: {err}") from err
            self._pending = self._inflate.unused_data if self._inflate.eof else self._inflate.unconsumed_tail
            if out:
                return out

    def _check(self, out: bytes | bytearray, n: int | None = None) -> None:
        """Caps and the NUL check on ``out`` (its first ``n`` bytes)."""
        n = len(out) if n is None else n
        start = self.content_bytes
        self.content_bytes += n
        lim = self._limits
        if self._gz and self.content_bytes > lim.max_bytes:
            raise FileRejected(f"decompressed content exceeds {lim.max_bytes} bytes (from {self.raw_bytes} compressed "
                               "bytes): split the file, or raise customProperties.maxDecompressedBytes in the contract")
        if self._gz and self.content_bytes > max(lim.max_ratio * self.raw_bytes, 64 << 20):
            raise FileRejected(f"decompression ratio above {lim.max_ratio}:1 ({self.content_bytes} bytes from "
                               f"{self.raw_bytes}): a gzip bomb, or raise customProperties.maxDecompressionRatio")
        if self._text and (at := out.find(b"\x00", 0, n)) >= 0:
            raise FileRejected(f"binary content: a NUL byte at content byte offset {start + at}; text files "
                               "must not contain NUL (is it UTF-16, or a binary file with a text name?)")

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._inflate is None:
            return self._read_plain(buffer)
        want = len(buffer)
        while len(self._out) < want:
            more = self._next()
            if not more:
                break
            self._check(more)
            self._out += more
        n = min(want, len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _read_plain(self, buffer: memoryview) -> int:
        """An uncompressed file: read into one reused buffer, hashed and checked in place, then copied
        out once. A new bytes object per read cost the kernel a page fault per 4 KB read."""
        if not len(buffer):
            return 0
        view = memoryview(self._buf)
        n = self._raw.readinto(view[:min(len(buffer), STEP)])
        if not n:
            self.eof = True
            return 0
        self._hash.update(view[:n])
        self.raw_bytes += n
        self._check(self._buf, n)
        buffer[:n] = view[:n]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class Source:
    """A landed file and how to read it; remembers the last full reader for the hash check."""

    def __init__(self, path: Path, gz: bool, limits: Limits, text: bool):
        self.path, self.gz, self.limits, self.text = path, gz, limits, text
        self.last: GuardedReader | None = None
        self.head = b""  # the content's first bytes, as sniffed: enough for a header, without a second stream

    def open(self) -> io.BufferedReader:
        self.last = GuardedReader(self.path, self.gz, self.limits, self.text)
        return io.BufferedReader(self.last, buffer_size=STEP)
