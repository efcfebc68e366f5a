"""Synth benchmark: a generated lake of N zones x D datasets, synthesized as ``cdk synth`` does.

    .venv/bin/python benchmarks/synth/bench.py [--zones 50] [--datasets 10] [--record]

Reports the time to load and validate the config, to build the construct tree, and to
synthesize (templates, assets, cdk-nag); the number of stacks; the largest stack's resource
count (CloudFormation's limit is 500) and template size (1 MB when uploaded from S3). Writes
benchmarks/synth/out/result.json and compares with baseline.json; exit 1 if a stack breaks a
CloudFormation limit. Prints its README row (benchmarks/figures.py); ``--record`` writes it on a
quiet machine. Its baseline is CloudFormation's limit, not another program.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
HERE = Path(__file__).resolve().parent
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

MAX_RESOURCES, MAX_TEMPLATE_BYTES = 500, 1_000_000


def run(zones: int, datasets: int) -> dict:
    import aws_cdk as cdk

    from infra.composer import build
    from lake.config import load_config
    from tests.infra.zonegen import generate

    tmp = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    root = generate(tmp / "insight_zones", zones=zones, datasets=datasets)
    t0 = time.perf_counter()
    cfg = load_config(root)
    t1 = time.perf_counter()
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(tmp / "cdk.out"), context=context)
    lake = build(app, cfg=cfg)
    t2 = time.perf_counter()
    app.synth()
    t3 = time.perf_counter()
    stacks = {}
    for stack in lake.stacks:
        path = tmp / "cdk.out" / stack.template_file
        stacks[stack.stack_name] = {"resources": len(json.loads(path.read_text())["Resources"]),
                                    "bytes": path.stat().st_size}
    largest = max(stacks.items(), key=lambda kv: kv[1]["resources"])
    return {
        "zones": zones, "datasets_per_zone": datasets, "stacks": len(stacks),
        "config_s": round(t1 - t0, 1), "build_s": round(t2 - t1, 1), "synth_s": round(t3 - t2, 1),
        "total_s": round(t3 - t0, 1),
        "largest_stack": largest[0], "largest_stack_resources": largest[1]["resources"],
        "largest_template_bytes": max(s["bytes"] for s in stacks.values()),
        "total_resources": sum(s["resources"] for s in stacks.values()),
        "peak_rss_mb_python": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}",
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zones", type=int, default=50)
    p.add_argument("--datasets", type=int, default=10)
    from benchmarks import figures

    figures.add_arguments(p)
    args = p.parse_args()
    bench = figures.Run("synth", args)
    result = run(args.zones, args.datasets)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    baseline = json.loads((HERE / "baseline.json").read_text()) if (HERE / "baseline.json").exists() else {}
    width = max(map(len, result))
    for key, value in result.items():
        was = baseline.get(key)
        print(f"{key:<{width}}  {value!s:<40} {'(baseline ' + str(was) + ')' if was is not None else ''}")
    ok = result["largest_stack_resources"] < MAX_RESOURCES and result["largest_template_bytes"] < MAX_TEMPLATE_BYTES
    print("OK: every stack within CloudFormation's limits" if ok else "FAIL: a stack exceeds a CloudFormation limit")
    share = result["largest_stack_resources"] / MAX_RESOURCES
    row = (f"{args.zones} zones × {args.datasets} datasets, synthesized with cdk-nag | {result['stacks']} stacks in "
           f"{result['total_s']:.0f} s, largest stack {result['largest_stack_resources']} resources, largest template "
           f"{result['largest_template_bytes'] / 1e3:.0f} kB | CloudFormation's limits: 500 resources, 1 MB | "
           f"**{share:.0%}** of the resource limit | every stack within both")
    return bench.finish(row, result, True, ok)


if __name__ == "__main__":
    sys.exit(main())
