"""The local runtime: the CLI's stand-ins for what AWS orchestrates (S3 events -> the ingest tasks,
the promotion state machine -> the to_ods and projections tasks, the erasure job submission).
Adapters over ``lake.tasks``, like the Lambda handlers and Glue scripts; nothing below imports them."""
