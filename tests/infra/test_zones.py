"""One stack per insight zone, generated from insight_zones/."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from infra.composer import Lake


def test_one_stack_per_zone(lake: Lake) -> None:
    assert set(lake.zones) == {"finance", "customer_success", "executive"}


def test_each_zone_has_its_three_databases_and_no_landing(lake: Lake, templates: dict[str, Template]) -> None:
    for name in lake.zones:
        t = templates[f"Zone-{name}"]
        for layer in ("staging", "ods", "analytics"):
            t.has_resource_properties("AWS::Glue::Database", {
                "DatabaseInput": Match.object_like({"Name": f"{name}_{layer}", "LocationUri": Match.any_value()})})
        names = {d["Properties"]["DatabaseInput"]["Name"] for d in t.find_resources("AWS::Glue::Database").values()}
        assert names == {f"{name}_staging", f"{name}_ods", f"{name}_analytics"}
