"""Erasure ("right to be forgotten"): a data subject removed from every layer, history included.

``subject`` recognises the person in every stored form; ``raw``/``parquet`` rewrite files without
their rows; ``objects``, ``staging`` and ``platform`` apply that to the buckets, the ledger and the
platform records; ``request`` and ``report`` carry the request in and the audit record out. The
Iceberg part and the order of it all live in the erase task ``lake/tasks/erase`` (run by the Glue job
``glue_jobs/erase``).
"""
