"""The staging Parquet writer: row groups of a useful size, written on a background thread.

Parsing, coercion and Parquet encoding all run in Arrow's C++ with the GIL released, so a
writer thread overlaps encoding of one row group with reading and checking the next: on 2
cores the validator then costs little more than its slowest stage. The queue holds at most
one pending row group, so memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 128_000


class StagingWriter:
    def __init__(self, path: Path, schema: pa.Schema, dictionary: list[str]):
        # No stored Arrow schema: dictionary-typed constant columns are read back as plain strings.
        self._writer = pq.ParquetWriter(str(path), schema, compression="snappy", store_schema=False,
                                        use_dictionary=dictionary)
        self._pending: list[pa.Table] = []
        self._rows = 0
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="staging-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (table := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._writer.write_table(table)
                except BaseException as err:  # noqa: BLE001 - re-raised in the producer's thread
                    self._error = err

    def write(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._queue.put(pa.concat_tables(self._pending))
            self._pending, self._rows = [], 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._queue.put(None)
            self._thread.join()
            self._writer.close()
        if self._error is not None:
            raise self._error
