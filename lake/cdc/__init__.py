"""Change data capture from PostgreSQL into ingress, in the order the data flows.

``source``    the replication slot (psycopg2's replication protocol, wal2json format 2) and the
              source-side checks (table, replica identity, slot plugin)
``envelope``  one wal2json message -> the contract's ``{"op","lsn","ts_ms","before","after"}`` lines
``snapshot``  the rows a new slot starts from (op ``r``), read in the slot's exported snapshot
``writer``    a batch -> one durable JSON-lines object in ingress, then the ingest handlers
``stream``    batching, acknowledging the slot only after the batch is durable, TRUNCATE, stopping
``truncate``  reporting a TRUNCATE, and the operator's ``--on-truncate delete``
``capture``   ``lake cdc`` itself: checks, slot creation with its snapshot, the stream, run records

At least once: the slot's confirmed position moves only past changes already in a durable file,
so a crash resends at most what was not acknowledged. A resent change carries the same lsn,
and promotion applies a change only when its lsn is newer than the row's, so resends are harmless.
"""
