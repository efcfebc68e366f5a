"""Parquet: typed already; the converters cast each column to the contract's type, same rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lake.config import Dataset
from lake.ingest.guard import Source
from lake.ingest.header import match_columns
from lake.ingest.readers import FileRejected, RawBatch


def parquet_batches(src: Source, ds: Dataset, warnings: list[str], serial: bool = True) -> Iterator[RawBatch]:
    path = src.path
    if src.gz:  # Parquet needs random access: inflate to a temporary file first (disk, not memory)
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lake-gz-") as work:
            plain = Path(work) / "file.parquet"
            with src.open() as inflated, plain.open("wb") as dst:  # capped as it inflates
                shutil.copyfileobj(inflated, dst, 8 << 20)
            yield from parquet_batches(Source(plain, False, src.limits, False), ds, warnings)
        return
    try:
        pf = pq.ParquetFile(str(path))
    except (pa.ArrowInvalid, OSError) as err:
        raise FileRejected(f"not a readable Parquet file: {err}") from err
    mapping = match_columns(pf.schema_arrow.names, ds, warnings)
    seen = 0
    for batch in pf.iter_batches(batch_size=65_536, columns=list(mapping.values())):
        n = batch.num_rows
        yield RawBatch({c: batch.column(h) for c, h in mapping.items()},
                       pa.array(range(seen + 1, seen + n + 1), pa.int64()))
        seen += n
