"""``getResolvedOptions`` as Glue's: ``--name value`` pairs from argv, every asked name required."""

import argparse


class GlueArgumentError(Exception):
    pass


def getResolvedOptions(args, options):  # noqa: N802 - Glue's name
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--JOB_NAME", required=False)
    for name in options:
        parser.add_argument(f"--{name}", required=True)
    try:
        ns, _ = parser.parse_known_args(args[1:])
    except SystemExit as err:
        raise GlueArgumentError(f"missing job arguments among {options}") from err
    return {k: v for k, v in vars(ns).items() if k in options or (k == "JOB_NAME" and v)}
