"""Runtime wiring: which backends serve a process (a Lambda, a Glue job, the CLI)."""
