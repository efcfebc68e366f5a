"""The lake's tasks, each once: receive, validate, sweep, promote (to_ods), project, erase, vacuum.

Each records its own run (``platform.runs``), alerts and lineage. The Lambda handlers (``lambdas/``),
the Glue scripts (``glue_jobs/``) and the local runtime (``lake.local``) are thin adapters over
them: they parse their arguments, choose the backends and call a task.
"""
