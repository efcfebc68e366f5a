"""``lake infer``'s command: sample, draft, write (stdout, ``-o FILE`` or the zone's datasets folder)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lake.config.names import name_problem

OK, USAGE = 0, 2  # pyarrow and the rest load only when the command runs: `lake --help` stays fast


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("infer", parents=[common], help="draft a data contract (ODCS) from a sample of FILE")
    s.add_argument("file")
    s.add_argument("--zone", required=True)
    s.add_argument("--dataset", required=True)
    out = s.add_mutually_exclusive_group()
    out.add_argument("-o", "--out", metavar="PATH", help="write the draft here (default: print it)")
    out.add_argument("--write", action="store_true",
                     help="write it as <config>/<zone>/datasets/<dataset>.yaml (the zone must exist)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.add_argument("--rows", type=int, default=10_000, help="rows to sample at most (default 10000)")
    s.add_argument("--sample-mb", type=float, default=8.0, help="bytes of content to sample, in MB (default 8)")
    s.add_argument("--no-header", dest="header", action="store_false",
                   help="the CSV has no header row (columns are named column_1, column_2, ...)")
    s.set_defaults(fn=run)


def _target(args: argparse.Namespace) -> Path | None:
    from lake.infer import InferError

    if args.out:
        return Path(args.out)
    if not args.write:
        return None
    from lake.runtime import shipped

    root = Path(args.config or os.environ.get("LAKE_CONFIG") or shipped.config_root())
    if not (root / args.zone / "zone.yaml").is_file():
        raise InferError(f"no zone '{args.zone}' in {root} (create {root / args.zone / 'zone.yaml'} first, "
                         "or use -o)")
    return root / args.zone / "datasets" / f"{args.dataset}.yaml"


def run(args: argparse.Namespace) -> int:
    from lake.infer import InferError, infer

    path = Path(args.file)
    for value, kind in ((args.zone, "zone"), (args.dataset, "dataset")):
        if problem := name_problem(value, kind):
            print(f"lake infer: {problem}", file=sys.stderr)
            return USAGE
    if not path.is_file():
        print(f"lake infer: no file {path}", file=sys.stderr)
        return USAGE
    try:
        target = _target(args)
        if target is not None and target.exists() and not args.force:
            raise InferError(f"{target} exists (--force to overwrite it)")
        result = infer(path, args.zone, args.dataset, args.rows, int(args.sample_mb * (1 << 20)), args.header)
    except InferError as err:
        print(f"lake infer: {path}: {err}", file=sys.stderr)
        return USAGE
    text = result.yaml(path.name)
    if target is None:
        sys.stdout.write(text)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"draft contract written: {target}", file=sys.stderr)
    for note in result.notes:
        print(f"review: {note}", file=sys.stderr)
    return OK
