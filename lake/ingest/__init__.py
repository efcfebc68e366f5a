"""The ingestion path: ingress -> landing -> staging, or quarantine.

``routing`` names every key, ``receiver`` makes the byte-exact landing copy and claims the
ledger, ``validator`` streams the landing copy through the contract (``readers`` ->
``coerce`` -> ``convert``) into typed Parquet, and ``quarantine`` writes reasons a producer
can act on. Handlers in ``lambdas/`` and the local runtime call only these modules.
"""
