"""Before a deploy: do the principals the stage names exist? (``make preflight STAGE=dev``)

The lake creates none of the humans' roles: the Lake Formation administrators (``lakeAdmins``)
and every producer, reader and PII reader of ``zone.yaml`` belong to the identity team (IAM
roles, or IAM Identity Center permission sets' ``AWSReservedSSO_*`` roles). A Lake Formation
grant to a role that does not exist fails the zone stack half-way through its deploy with
"Invalid principal"; this check fails first, naming every missing role and where it is named.

Exit 0 when every role exists, 1 when some are missing, 2 on bad settings or config.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from infra.principals import SSO_PATH, is_sso_role
from infra.settings import ROOT, Settings, SettingsError, load_settings
from lake.config import ConfigError, LakeConfig, load_config


@dataclass(frozen=True)
class Principal:
    arn: str
    named_in: tuple[str, ...]  # where the config names it: "lakeAdmins", "finance/zone.yaml readers", ...


def principal_arn(settings: Settings, name: str) -> str:
    name = settings.principal_map.get(name, name)
    return name if name.startswith("arn:") else f"arn:aws:iam::{settings.env.account}:role/{name}"


def required(settings: Settings, cfg: LakeConfig) -> list[Principal]:
    """Every principal the stage grants to, with the places that name it."""
    where: dict[str, list[str]] = {}
    for arn in settings.env.lake_admins:
        where.setdefault(arn, []).append(f"lake:environments.{settings.env.stage}.lakeAdmins")
    for zone in sorted(cfg.zones.values(), key=lambda z: z.name):
        spec = zone.spec
        for kind, names in (("producers", spec.producers), ("readers", spec.readers),
                            ("pii_readers", spec.pii_readers)):
            for n in names:
                where.setdefault(principal_arn(settings, n), []).append(f"insight_zones/{zone.name}/zone.yaml {kind}")
    return [Principal(arn, tuple(places)) for arn, places in sorted(where.items())]


def missing(principals: Iterable[Principal], iam: Any) -> list[tuple[Principal, str]]:
    """The principals that are not an existing role of this account, each with why."""
    out: list[tuple[Principal, str]] = []
    for p in principals:
        if ":role/" not in p.arn:
            continue  # users, groups, accounts: Lake Formation checks them, IAM roles are what we can
        path_and_name = p.arn.split(":role/", 1)[1]
        name = path_and_name.rsplit("/", 1)[-1]
        try:
            found = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            hint = (" (an IAM Identity Center role appears once its permission set is provisioned to this account)"
                    if is_sso_role(p.arn) or name.startswith("AWSReservedSSO_") else "")
            out.append((p, f"no role named {name}{hint}"))
            continue
        if found != p.arn:
            sso = (f"; Identity Center roles live under {SSO_PATH}<region>/"
                   if name.startswith("AWSReservedSSO_") else "")
            out.append((p, f"role {name} exists as {found}, not {p.arn}{sso}"))
    return out


def report(problems: list[tuple[Principal, str]], checked: int) -> str:
    if not problems:
        return f"preflight: all {checked} principals exist"
    lines = [f"preflight: {len(problems)} of {checked} principals the stage grants to do not exist "
             "(create them, or map names to existing ARNs with -c lake:principals='{\"name\": \"arn\"}'):"]
    lines += [f"  {p.arn}: {why}; named in {', '.join(p.named_in)}" for p, why in problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default=None, help="lake:stage (default: cdk.json's)")
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE",
                        help="context override, as with cdk (-c lake:principals='{...}')")
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    import aws_cdk as cdk
    import boto3

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(dict(kv.split("=", 1) for kv in args.context))
    if args.stage:
        context["lake:stage"] = args.stage
    try:
        settings = load_settings(cdk.App(context=context))
        cfg = load_config(settings.zones_dir)
    except (SettingsError, ConfigError) as err:
        print(f"preflight: {err}", file=sys.stderr)
        return 2
    principals = required(settings, cfg)
    problems = missing(principals, boto3.client("iam"))
    print(report(problems, len(principals)), file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
