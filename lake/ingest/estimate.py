"""How many bytes of content a landed file holds, before anyone validates it: the size that decides
between the validator Lambda and the Glue job (``big_files``).

A gzip file's content is not its size times a guessed ratio (real files range from 3x to a bomb's
1000x). Its first MB is inflated, at most ``SAMPLE_OUT`` bytes of output, and the ratio found there
scales the compressed size. Costs one ranged read; a whole file that fits the sample is exact.
"""

from __future__ import annotations

import zlib

from lake.backends.storage import Storage
from lake.ingest.routing import is_gzip

SAMPLE = 1 << 20  # compressed bytes read
SAMPLE_OUT = 256 << 20  # content bytes inflated at most: a bomb shows its ratio long before


def content_size(storage: Storage, bucket: str, key: str, size: int) -> int:
    if not is_gzip(key) or size <= 0:
        return size
    body = storage.open(bucket, key)
    try:
        head = body.read(SAMPLE)
    finally:
        body.close()
    inflate, out, data = zlib.decompressobj(wbits=31), 0, head
    try:
        while data and out < SAMPLE_OUT:
            out += len(inflate.decompress(data, 1 << 20))
            data = inflate.unconsumed_tail
            if inflate.eof:  # the next gzip member, if any
                data, inflate = inflate.unused_data, zlib.decompressobj(wbits=31)
    except zlib.error:
        return size  # not gzip after all, or corrupt: the validator says which, by name
    consumed = len(head) - len(data)
    if consumed >= size:
        return out  # the whole file was in the sample
    return int(size * out / max(consumed, 1))
