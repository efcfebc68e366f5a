"""The sample ``lake infer`` looks at: the first bytes of a file, streamed, never the whole file.

A gzip file is decompressed as it streams, so a 10 GB ``.csv.gz`` costs the same as its first
megabytes. The text encoding is told from a byte-order mark, else from whether the bytes are UTF-8,
else Windows-1252 (when it uses the bytes 0x80-0x9f that latin-1 keeps for control codes) or latin-1.
"""

from __future__ import annotations

import codecs
import gzip
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SAMPLE_BYTES = 8 << 20
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Sample:
    path: Path
    text: str  # the first characters of the content (decompressed, decoded, BOM removed), whole lines
    complete: bool  # the whole file fit in the sample
    gzipped: bool
    encoding: str  # the name a contract declares (utf-8, utf-16, cp1252, latin-1)
    bom: bool


def read_sample(path: Path, max_bytes: int = DEFAULT_SAMPLE_BYTES) -> Sample:
    gzipped = _is_gzip(path)
    with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
        data = f.read(max_bytes + 1)
    complete = len(data) <= max_bytes
    data = data[:max_bytes]
    encoding, bom = _encoding(data, complete)
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    # A character cut at the sample's end is not an error: the incremental decoder holds it back.
    text = codecs.getincrementaldecoder(codec)(errors="strict").decode(data, final=complete)
    if not complete and "\n" in text:
        text = text[:text.rfind("\n") + 1]  # a row cut in half would look like a malformed row
    return Sample(path, text, complete, gzipped, encoding, bom)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _encoding(data: bytes, complete: bool) -> tuple[str, bool]:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name, True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    if any(0x80 <= b <= 0x9F for b in data):
        try:
            data.decode("cp1252")
            return "cp1252", False
        except UnicodeDecodeError:
            pass
    return "latin-1", False
