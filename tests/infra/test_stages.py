"""Two stages (dev and prod) in ONE account and region (issue 15 §3): each stage's catalog names live in
its own namespace (lake/namespace.py), so the two synthesized lakes set no colliding physical name.
Prod keeps the plain names; dev's default prefix is ``dev_``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.composer import Lake
from infra.settings import SettingsError, catalog_prefix, load_settings
from tests.infra.conftest import cdk_context, synth
from tests.infra.helpers import flatten
from tests.infra.test_account_safety import physical_names

ACCOUNT, REGION = "111111111111", "eu-west-1"


def shared_environments(**extra: dict[str, Any]) -> dict[str, Any]:
    envs = cdk_context()["lake:environments"]
    prod = {**envs["prod"], "account": ACCOUNT, "region": REGION,
            "lakeAdmins": [f"arn:aws:iam::{ACCOUNT}:role/InsightLakeAdmin"]}
    out = {**envs, "prod": prod}
    return {k: {**v, **extra.get(k, {})} for k, v in out.items()}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Lake, dict[str, Template]]]:
    envs = shared_environments()
    return {stage: synth(tmp_path_factory.mktemp(f"cdk.out.shared.{stage}"),
                         **{"lake:stage": stage, "lake:environments": envs})
            for stage in ("dev", "prod")}


def all_names(lake: Lake, templates: dict[str, Template]) -> dict[tuple[str, str, str], str]:
    """Every physical name (tests/infra/test_account_safety.py: ``*Name``, database and table inputs, data
    cells filters, LF-tag keys, account singletons), plus the stack names and the exports."""
    # A data cells filter's own name is unique per table only: it is compared qualified (db.table.name).
    out = {k: v for k, v in physical_names(lake, templates).items()
           if not (k[0] == "AWS::LakeFormation::DataCellsFilter" and "." not in k[2])}
    for stack in lake.stacks:
        out[("AWS::CloudFormation::Stack", stack.region, stack.stack_name)] = stack.stack_name
        for output in templates[stack.node.id].to_json().get("Outputs", {}).values():
            if "Export" in output:
                out[("Export", stack.region, flatten(output["Export"]["Name"]))] = stack.stack_name
    return out


@pytest.mark.slow
def test_dev_and_prod_in_one_account_and_region_set_no_colliding_physical_name(both: dict) -> None:
    dev, prod = all_names(*both["dev"]), all_names(*both["prod"])
    collisions = sorted(set(dev) & set(prod))
    assert not collisions, "\n".join(f"{k}: {dev[k]} and {prod[k]}" for k in collisions)
    # Not vacuous: the catalog names are compared, prod's plain and dev's in its namespace.
    assert ("AWS::Glue::Database", REGION, "finance_ods") in prod
    assert ("AWS::Glue::Database", REGION, "dev_finance_ods") in dev
    assert ("AWS::Glue::Database", REGION, "dev_platform") in dev
    assert ("AWS::LakeFormation::Tag", REGION, "dev_sensitivity") in dev
    assert ("AWS::LakeFormation::Tag", REGION, "sensitivity") in prod
    assert ("AWS::CloudFormation::Stack", REGION, "InsightLake-dev-Storage") in dev
    assert any(k[0] == "Export" for k in dev)
    assert ("AWS::LakeFormation::DataCellsFilter", REGION, "dev_platform.runs.finance_rows") in dev
    # The account's Lake Formation settings: one owner (prod, the plain namespace), naming both stages' admins.
    assert ("AWS::LakeFormation::DataLakeSettings", REGION,
            "the account's AWS::LakeFormation::DataLakeSettings") in prod
    both["dev"][1]["Storage"].resource_count_is("AWS::LakeFormation::DataLakeSettings", 0)


@pytest.mark.slow
def test_a_namespaced_stage_tells_its_runtime_and_scopes_its_catalog_grants(both: dict) -> None:
    templates = both["dev"][1]
    functions = [f["Properties"] for t in templates.values() for f in t.find_resources("AWS::Lambda::Function").values()
                 if f["Properties"].get("Handler", "").startswith(("lambdas.", "infra."))]
    assert functions and all(f["Environment"]["Variables"]["LAKE_CATALOG_PREFIX"] == "dev_" for f in functions)
    jobs = [j["Properties"] for t in templates.values() for j in t.find_resources("AWS::Glue::Job").values()]
    assert jobs and all(j["DefaultArguments"]["--lake_catalog_prefix"] == "dev_" for j in jobs)
    # Its LF grants name its own tag keys, its IAM catalog grants its own databases, its alarms its tables.
    text = "".join(flatten(t.to_json()) for t in templates.values())
    assert '"TagKey": "dev_layer"' in text and '"TagKey": "layer"' not in text
    assert "database/dev_finance_ods" in text and "database/finance_ods" not in text
    assert "dev_finance_ods.expenses" in text
    # Its "Tables Updated" events are its own: the default event bus is shared with prod.
    assert '"Source": ["insight-lake.dev"]' in text or '"source": ["insight-lake.dev"]' in text
    # Prod, the plain namespace, sets no prefix anywhere.
    prod = both["prod"][1]
    assert not [f for t in prod.values() for f in t.find_resources("AWS::Lambda::Function").values()
                if "LAKE_CATALOG_PREFIX" in flatten(f["Properties"].get("Environment", {}))]


def settings_for(stage: str, envs: dict[str, Any]) -> str:
    return load_settings(cdk.App(context=cdk_context(**{"lake:stage": stage, "lake:environments": envs}))
                         ).catalog_prefix


def test_prefix_defaults_plain_alone_prod_plain_and_others_by_stage() -> None:
    alone = cdk_context()["lake:environments"]  # dev and prod in two accounts
    assert catalog_prefix("dev", alone) == catalog_prefix("prod", alone) == ""
    shared = shared_environments()
    assert settings_for("prod", shared) == ""
    assert settings_for("dev", shared) == "dev_"
    three = {**shared, "qa-1": shared["dev"]}
    assert catalog_prefix("qa-1", three) == "qa_1_"
    explicit = shared_environments(prod={"catalogPrefix": "live_"}, dev={"catalogPrefix": ""})
    assert (settings_for("prod", explicit), settings_for("dev", explicit)) == ("live_", "")


def test_two_stages_with_one_prefix_in_one_account_and_region_are_refused_naming_both() -> None:
    same = shared_environments(prod={"catalogPrefix": "dev_"})
    with pytest.raises(SettingsError, match=r"stages 'prod' and 'dev' share account 111111111111 and region "
                                            r"eu-west-1 and the catalog prefix 'dev_'.*catalogPrefix"):
        settings_for("prod", same)
    # The same prefixes in two regions are fine: each region has its own catalog.
    apart = shared_environments(prod={"catalogPrefix": "dev_", "region": "us-east-1", "sdkForPandasLayerArn": None})
    assert settings_for("prod", apart) == "dev_"


@pytest.mark.parametrize("bad, why", [("Dev_", "lower-case"), ("dev", "end with '_'"), ("1dev_", "start with a letter"),
                                      ("a" * 30 + "_", "at most 20")])
def test_a_malformed_prefix_is_refused_with_the_setting_named(bad: str, why: str) -> None:
    with pytest.raises(SettingsError, match=rf"lake:environments.dev.catalogPrefix: .*{why}"):
        settings_for("dev", shared_environments(dev={"catalogPrefix": bad}))


def test_a_stage_alone_in_its_account_stays_plain(templates: dict[str, Template]) -> None:
    # The default context (dev alone in its account): no prefix on any catalog name.
    text = "".join(flatten(t.to_json()) for t in templates.values())
    assert "LAKE_CATALOG_PREFIX" not in text and "--lake_catalog_prefix" not in text
    templates["Storage"].has_resource_properties("AWS::LakeFormation::Tag", {"TagKey": "sensitivity"})


def test_one_stage_owns_the_accounts_lake_formation_settings_naming_every_stages_admins() -> None:
    dev_admin = f"arn:aws:iam::{ACCOUNT}:role/DevLakeAdmin"
    envs = shared_environments(dev={"lakeAdmins": [dev_admin]})

    def env(stage: str):  # noqa: ANN202
        return load_settings(cdk.App(context=cdk_context(**{"lake:stage": stage, "lake:environments": envs}))).env

    prod, dev = env("prod"), env("dev")
    assert (prod.owns_account_settings, dev.owns_account_settings) == (True, False)
    assert dev_admin in prod.account_admins and f"arn:aws:iam::{ACCOUNT}:role/InsightLakeAdmin" in prod.account_admins
    # Two namespaced stages, no plain one: the first by name owns them.
    both_named = shared_environments(prod={"catalogPrefix": "live_"})
    assert load_settings(cdk.App(context=cdk_context(**{"lake:stage": "dev", "lake:environments": both_named}))
                         ).env.owns_account_settings


@pytest.mark.slow
def test_the_twin_refuses_a_namespaced_stage_clearly(both: dict, capsys: pytest.CaptureFixture[str]) -> None:
    """``lake twin --assembly`` on dev's namespaced templates: exit 2 naming the prefix, before deploying
    anything (its comparison with the local run is under the plain names); prod's plain ones are accepted."""
    from lake.twin import run
    from lake.twin.assembly import catalog_prefix, load

    dev, prod = (both[stage][0].stacks[0].node.root.outdir for stage in ("dev", "prod"))
    assert catalog_prefix(load(Path(prod))) == ""
    assert catalog_prefix(load(Path(dev))) == "dev_"
    assert run.main(dev) == 2
    err = capsys.readouterr().err
    assert "namespaced stage (catalog prefix 'dev_'" in err and "no catalogPrefix" in err
