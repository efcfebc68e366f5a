"""Deployment settings, read from the cdk.json context in one place.

Every key lives under the ``lake:`` prefix and can be overridden on the command line,
e.g. ``npx cdk deploy --all -c lake:stage=prod`` or ``-c lake:allowDestroy=true``
(command-line values arrive as strings, hence the parsing here).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Construct

from lake.namespace import prefix_problem

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = re.compile(r"^\d{12}$")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Environment:
    """One deployment target: an account and region, and who administers its lake."""

    stage: str
    account: str
    region: str
    lake_admins: tuple[str, ...]
    platform_alert_emails: tuple[str, ...] = ()
    sdk_for_pandas_layer: str | None = None
    # Prefix of every account+region-wide catalog name (lake/namespace.py): "" = plain names.
    catalog_prefix: str = ""
    # The account+region singletons (Lake Formation data lake settings, catalog encryption) belong to one
    # stage of those sharing the account and region; its settings name every sharing stage's admins.
    owns_account_settings: bool = True
    account_admins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    env: Environment
    zones_dir: Path
    allow_destroy: bool = False
    backup_retention_days: int = 35
    noncurrent_version_days: int = 90
    erased_version_days: int = 1  # old versions under prefixes that may hold personal data
    quarantine_retention_days: int = 180
    athena_results_days: int = 30
    athena_bytes_scanned_cutoff: int = 10 * 1024**3
    replication_region: str | None = None
    principals: tuple[tuple[str, str], ...] = ()
    require_lambda_deps: bool = False
    # Account-wide Glue Data Catalog encryption: one setting per account and region, shared with
    # whatever else uses the catalog, so the lake changes it only when the deployer opts in.
    catalog_encryption: bool = False
    # Reserved concurrency takes from the account's unreserved pool (which must stay >= 100):
    # off by default, so a fresh account (quota 10 or 50) can deploy.
    reserved_concurrency: bool = False

    @property
    def principal_map(self) -> dict[str, str]:
        return dict(self.principals)

    @property
    def catalog_prefix(self) -> str:
        return self.env.catalog_prefix

    @property
    def prefix(self) -> str:
        """Stack-name prefix, so that several stages can share one account."""
        return f"InsightLake-{self.env.stage}"


def _ctx(scope: Construct, key: str, default: Any = None) -> Any:
    value = scope.node.try_get_context(f"lake:{key}")
    return default if value is None else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no", ""):
        return False
    raise SettingsError(f"expected true or false, got {value!r}")


def _environment(stage: str, environments: dict[str, Any]) -> Environment:
    raw = environments[stage]
    account, region = str(raw.get("account", "")), str(raw.get("region", ""))
    if not ACCOUNT.match(account):
        raise SettingsError(f"lake:environments.{stage}.account must be a 12-digit account id, got {account!r}")
    if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", region):
        raise SettingsError(f"lake:environments.{stage}.region is not an AWS region: {region!r}")
    admins = tuple(raw.get("lakeAdmins") or ())
    for arn in admins:
        if not arn.startswith("arn:"):
            raise SettingsError(f"lake:environments.{stage}.lakeAdmins: {arn!r} is not an IAM ARN")
    layer = raw.get("sdkForPandasLayerArn")
    if layer and f":{region}:" not in layer:
        raise SettingsError(f"lake:environments.{stage}.sdkForPandasLayerArn must be a layer in {region}")
    sharing = sorted(o for o, r in environments.items() if _place(r) == _place(raw))
    owner = next((o for o in sharing if _default_prefix(o, environments) == ""), sharing[0])
    every_admin = tuple(sorted({a for o in sharing for a in environments[o].get("lakeAdmins") or ()}))
    return Environment(stage, account, region, admins, tuple(raw.get("platformAlertEmails") or ()), layer,
                       catalog_prefix(stage, environments), owner == stage, every_admin)


def catalog_prefix_of(scope: Construct) -> str:
    """The chosen stage's catalog prefix (constructs deep in a stack read it here, as
    ``reserved_concurrency``); "" when the context names no environments (a bare test app)."""
    stage = str(_ctx(scope, "stage", "dev"))
    environments = _json(_ctx(scope, "environments", {}))
    return catalog_prefix(stage, environments) if stage in environments else ""


def reserved_concurrency(scope: Construct) -> bool:
    """``lake:reservedConcurrency`` (constructs deep in a stack read it here rather than being handed Settings)."""
    return _bool(_ctx(scope, "reservedConcurrency", False))


def _place(raw: dict[str, Any]) -> tuple[str, str]:
    return str(raw.get("account", "")), str(raw.get("region", ""))


def _default_prefix(stage: str, environments: dict[str, Any]) -> str:
    """Plain names for a stage alone in its account and region, and for ``prod`` among stages that share
    one; every other sharing stage defaults to ``<stage>_``."""
    raw = environments[stage]
    if "catalogPrefix" in raw:
        return str(raw["catalogPrefix"])
    shared = any(o != stage and _place(r) == _place(raw) for o, r in environments.items())
    return re.sub(r"[^a-z0-9_]", "_", stage.lower()) + "_" if shared and stage != "prod" else ""


def catalog_prefix(stage: str, environments: dict[str, Any]) -> str:
    """The stage's catalog namespace (lake/namespace.py): the Glue databases (``<zone>_ods``, ``platform``),
    LF-tag keys and the filters on them are one set per account and region, so two stages sharing one
    must differ by this prefix. Refused when it is malformed or another stage there has the same one."""
    own = _default_prefix(stage, environments)
    problem = prefix_problem(own)
    if problem:
        raise SettingsError(f"lake:environments.{stage}.catalogPrefix: {problem}")
    for other, raw in environments.items():
        if other != stage and _place(raw) == _place(environments[stage]) \
                and _default_prefix(other, environments) == own:
            account, region = _place(raw)
            raise SettingsError(
                f"lake:environments: stages '{stage}' and '{other}' share account {account} and region {region} "
                f"and the catalog prefix {own!r}: their Glue databases (<zone>_staging/_ods/_analytics, "
                f"platform) and LF-tags would collide; set lake:environments.{stage}.catalogPrefix (or "
                f"{other}'s) to a distinct value such as '{stage.lower()}_'")
    return own


def load_settings(scope: Construct) -> Settings:
    """The settings of the stage chosen by ``lake:stage`` (default ``dev``)."""
    stage = str(_ctx(scope, "stage", "dev"))
    environments = _json(_ctx(scope, "environments", {}))
    if stage not in environments:
        raise SettingsError(f"lake:stage '{stage}' is not one of lake:environments ({', '.join(environments)})")
    replication = _ctx(scope, "replicationRegion")
    return Settings(
        env=_environment(stage, environments),
        zones_dir=(ROOT / str(_ctx(scope, "zonesDir", "insight_zones"))).resolve(),
        allow_destroy=_bool(_ctx(scope, "allowDestroy", False)),
        backup_retention_days=int(_ctx(scope, "backupRetentionDays", 35)),
        noncurrent_version_days=int(_ctx(scope, "noncurrentVersionDays", 90)),
        erased_version_days=int(_ctx(scope, "erasedVersionDays", 1)),
        quarantine_retention_days=int(_ctx(scope, "quarantineRetentionDays", 180)),
        athena_results_days=int(_ctx(scope, "athenaResultsDays", 30)),
        athena_bytes_scanned_cutoff=int(_ctx(scope, "athenaBytesScannedCutoff", 10 * 1024**3)),
        replication_region=str(replication) if replication else None,
        principals=tuple(sorted(_json(_ctx(scope, "principals", {})).items())),
        require_lambda_deps=_bool(_ctx(scope, "requireLambdaDeps", False)),
        catalog_encryption=_bool(_ctx(scope, "catalogEncryption", False)),
        reserved_concurrency=reserved_concurrency(scope),
    )
