"""Parquet without the subject's rows: raw drops (also gzipped) and staging files alike.

Batch by batch, so memory stays bounded; the file keeps its schema, key-value metadata
(whether the Arrow schema was stored or not) and compression codec. Footer statistics are
computed afresh from the rows kept, so no min/max of a removed row survives.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lake.erasure.files import Layout, Rewrite, is_gzip, scratch
from lake.erasure.subject import Subject

BATCH_ROWS = 65_536


def _texty(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or (
        pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)))


def _as_string(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def subject_mask(batch: pa.RecordBatch, subject_columns: frozenset[str], subject: Subject) -> pa.Array:
    """True for each row of the subject: a marked column holds the value, or (distinctive kinds) any text does."""
    hit = pa.array([False] * batch.num_rows)
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        if name.lower() in subject_columns and (_texty(col.type) or pa.types.is_integer(col.type)):
            hit = pc.or_(hit, subject.arrow_equals(_as_string(col)))
        elif _texty(col.type):
            mention = subject.arrow_mentions(_as_string(col))
            if mention is not None:
                hit = pc.or_(hit, mention)
    return hit


def rewrite_parquet(src: Path, dst: Path, layout: Layout, subject: Subject, keys: tuple[str, ...] = ()) -> Rewrite:
    if is_gzip(src):  # Parquet needs random access: inflate to disk, rewrite, deflate
        with scratch() as work:
            plain_in, plain_out = work / "in.parquet", work / "out.parquet"
            with gzip.open(src, "rb") as f, plain_in.open("wb") as out:
                shutil.copyfileobj(f, out, 8 << 20)
            res = rewrite_parquet(plain_in, plain_out, layout, subject, keys)
            with plain_out.open("rb") as f, dst.open("wb") as raw, \
                    gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
                shutil.copyfileobj(f, out, 8 << 20)
            return res
    pf = pq.ParquetFile(str(src))
    md = pf.metadata
    codec = md.row_group(0).column(0).compression if md.num_row_groups and md.num_columns else "SNAPPY"
    stored = b"ARROW:schema" in (md.metadata or {})
    res = Rewrite()
    names = {n.lower(): n for n in pf.schema_arrow.names}
    writer = pq.ParquetWriter(str(dst), pf.schema_arrow, compression=codec.lower(), store_schema=stored)
    try:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            hit = subject_mask(batch, layout.subject_columns, subject)
            removed = pc.indices_nonzero(hit)
            for i in removed.to_pylist():
                res.removed_rows.append(res.rows + i + 1)
            res.rows += batch.num_rows
            if len(removed):
                res.removed += len(removed)
                gone = batch.take(removed)
                res.removed_keys += gone.select([names[k.lower()] for k in keys if k.lower() in names]).to_pylist()
                for name in gone.schema.names:
                    if name.lower() in layout.subject_columns:
                        values = _as_string(gone.column(name))
                        res.spellings.update(v for v in values.filter(subject.arrow_equals(values)).to_pylist()
                                             if v is not None)
            writer.write_batch(batch.filter(pc.invert(hit)))
    finally:
        writer.close()
    return res
