"""Job arguments: ``getResolvedOptions`` on Glue, argparse everywhere else."""

from __future__ import annotations

import argparse
import sys


def resolve(names: list[str], optional: tuple[str, ...] = ()) -> dict[str, str | None]:
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser()
        for n in names:
            parser.add_argument(f"--{n}", required=True)
        for n in optional:
            parser.add_argument(f"--{n}", default=None)
        ns, _ = parser.parse_known_args()
        return vars(ns)
    present = [n for n in optional if f"--{n}" in sys.argv]
    return dict.fromkeys(optional) | getResolvedOptions(sys.argv, names + present)


def job_context(args: dict[str, str | None]):  # noqa: ANN201 - Context, imported late (Glue start-up)
    """The Context of a Glue job run: its arguments name the backend and the resources."""
    import os

    for arg in ("lake_backend", "ledger_table", "records_table", "ingress_bucket", "landing_bucket", "staging_bucket",
                "lake_home", "alert_topic_arn_pattern", "platform_alert_topic_arn", "pii_key_secrets"):
        env = arg.upper()
        if args.get(arg):
            os.environ[env] = str(args[arg])
    from glue_jobs.session import catalog_namespace
    from lake.runtime.context import context_from_env

    catalog_namespace()

    return context_from_env()
