"""Rewrite a raw file without the subject's rows, in its own format, streaming.

CSV and JSON lines keep every other row byte for byte (the record's text is copied, never
re-serialised), so dialect, quoting, encoding, BOM and line endings survive; gzip stays gzip.
Parquet is rewritten batch by batch with its schema, metadata and codec. A file that does not
parse as its contract says (a quarantined file, say) is rewritten line by line instead.

A row is the subject's when a column marked with the subject's kind holds the value, or — for
distinctive kinds such as e-mail addresses — when the value appears anywhere in the row.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

from lake.erasure.files import Layout, Rewrite, is_gzip, scratch
from lake.erasure.parquet import rewrite_parquet
from lake.erasure.subject import Subject

__all__ = ["Layout", "Rewrite", "RowTest", "is_gzip", "might_hold", "rewrite", "scratch"]

CHUNK = 4 << 20
RowTest = Callable[[dict[str, str]], bool]  # extra rule: drop this CSV row (columns by lower-case name)


def might_hold(path: Path, layout: Layout, subject: Subject) -> bool:
    """A fast byte scan: False only when the file certainly holds no row of the subject."""
    if layout.format == "parquet" or not subject.value.isascii() or "16" in layout.encoding or "32" in layout.encoding:
        return True  # compressed pages, or bytes that a plain case-folded search cannot see
    needle = subject.value.encode()  # ASCII: the same bytes in UTF-8, Latin-1, cp1252 ...
    tail = b""
    with _open_in(path) as f:
        while chunk := f.read(CHUNK):
            window = tail + chunk
            if needle in (window.lower() if subject.kind.fold_case else window) or b"\\u" in window:
                return True  # JSON may spell any character as \\uXXXX: let the parser decide
            tail = window[-(len(needle) + 6):]
    return False


def _is_parquet(path: Path) -> bool:
    with _open_in(path) as f:
        return f.read(4) == b"PAR1"


@contextmanager
def _open_in(path: Path) -> Iterator[IO[bytes]]:
    gz = is_gzip(path)
    with path.open("rb") as raw, (gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw) as f:
        yield cast(IO[bytes], f)


@contextmanager
def _open_out(path: Path, gz: bool) -> Iterator[IO[bytes]]:
    with path.open("wb") as raw:
        if not gz:
            yield raw
            return
        # mtime 0 and no name: rewriting the same bytes gives the same bytes (ingress and landing stay equal)
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as f:
            yield cast(IO[bytes], f)


def rewrite(src: Path, dst: Path, layout: Layout, subject: Subject, drop: RowTest | None = None,
            keys: tuple[str, ...] = ()) -> Rewrite:
    """Write ``src`` without the subject's rows to ``dst``; what was removed is returned."""
    if layout.format != "parquet" and _is_parquet(src):  # a Parquet file dropped as CSV (quarantined whole)
        layout = Layout("parquet", layout.subject_columns)
    if layout.format == "parquet":
        return rewrite_parquet(src, dst, layout, subject, keys)
    if layout.format == "csv":
        try:
            return _rewrite_text(src, dst, layout, lambda t, o: _csv(t, o, layout, subject, drop))
        except (csv.Error, UnicodeError):
            pass  # not CSV in this dialect after all (a quarantined file): fall back to lines
    if layout.format == "jsonl":
        return _rewrite_text(src, dst, layout, lambda t, o: _jsonl(t, o, layout, subject))
    return _rewrite_text(src, dst, layout, lambda t, o: _lines(t, o, subject))


def _rewrite_text(src: Path, dst: Path, layout: Layout, body: Callable[[IO[str], IO[str]], Rewrite]) -> Rewrite:
    gz = is_gzip(src)
    with _open_in(src) as fin, _open_out(dst, gz) as fout:
        # surrogateescape: bytes that are not valid in the encoding are copied through unchanged
        text_in = io.TextIOWrapper(fin, encoding=layout.encoding, errors="surrogateescape", newline="")
        text_out = io.TextIOWrapper(fout, encoding=layout.encoding, errors="surrogateescape", newline="")
        result = body(text_in, text_out)
        text_out.flush()
        text_out.detach()
        text_in.detach()
    return result


class _Captured:
    """The physical lines the CSV reader consumes, so a record's exact text can be copied out."""

    def __init__(self, f: IO[str]):
        self.f, self.lines = f, cast(list[str], [])

    def __iter__(self) -> _Captured:
        return self

    def __next__(self) -> str:
        line = self.f.readline()
        if not line:
            raise StopIteration
        self.lines.append(line)
        return line

    def take(self) -> str:
        text = "".join(self.lines)
        self.lines.clear()
        return text


def _csv(fin: IO[str], fout: IO[str], layout: Layout, subject: Subject, drop: RowTest | None) -> Rewrite:
    csv.field_size_limit(sys.maxsize)
    src = _Captured(fin)
    reader = csv.reader(src, delimiter=layout.delimiter, quotechar=layout.quote, escapechar=layout.escape,
                        doublequote=True, strict=False)
    res, names = Rewrite(), [c.lower() for c in layout.columns]
    if layout.header:
        header = next(reader, None)
        fout.write(src.take())
        names = [h.strip().lstrip("\ufeff").strip().lower() for h in header or []]
    watched = [i for i, n in enumerate(names) if n in layout.subject_columns]
    for record in reader:
        text = src.take()
        if not record:  # a blank line: not a row for the validator either
            fout.write(text)
            continue
        res.rows += 1
        hits = [record[i] for i in watched if i < len(record) and subject.equals(record[i])]
        if hits or subject.mentioned(text) or (drop is not None and drop(dict(zip(names, record, strict=False)))):
            res.removed += 1
            res.removed_rows.append(res.rows)
            res.spellings.update(hits)
        else:
            fout.write(text)
    return res


def _fields(obj: object, layout: Layout) -> list[tuple[str, object]]:
    """(lower-case field name, value) of the row(s) a JSON line carries (both images of a change event)."""
    rows = [obj]
    if layout.cdc and isinstance(obj, dict):
        rows += [obj.get("before"), obj.get("after")]
    return [(str(k).strip().lower(), v) for r in rows if isinstance(r, dict) for k, v in r.items()]


def _jsonl(fin: IO[str], fout: IO[str], layout: Layout, subject: Subject) -> Rewrite:
    res = Rewrite()
    lineno = 0
    while line := fin.readline():
        lineno += 1
        # newline="" also splits at a lone \r: the validator splits at \n only, so join up to it
        while not line.endswith("\n") and (more := fin.readline()):
            line += more
        if not line.strip():
            fout.write(line)
            continue
        res.rows += 1
        hits: list[str] = []
        try:
            obj = json.loads(line.lstrip("\ufeff") if lineno == 1 else line, parse_float=str, parse_int=str)
            hits = [str(v) for k, v in _fields(obj, layout) if k in layout.subject_columns and subject.equals(v)]
            found = bool(hits) or subject.mentioned(json.dumps(obj, ensure_ascii=False))
        except (json.JSONDecodeError, RecursionError):
            found = False
        if found or subject.mentioned(line):
            res.removed += 1
            res.removed_rows.append(lineno)
            res.spellings.update(hits)
        else:
            fout.write(line)
    return res


def _lines(fin: IO[str], fout: IO[str], subject: Subject) -> Rewrite:
    res = Rewrite()
    for lineno, line in enumerate(fin, 1):
        res.rows += 1
        if subject.mentioned(line):
            res.removed += 1
            res.removed_rows.append(lineno)
        else:
            fout.write(line)
    return res
