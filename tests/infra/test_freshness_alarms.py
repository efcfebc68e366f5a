"""One alarm per dataset with a freshness SLA, on the metric the freshness sweep publishes."""

from __future__ import annotations

from aws_cdk.assertions import Match

from infra.composer import Lake
from tests.infra.helpers import lid


def test_finance_expenses_alarms_past_its_sla_to_the_finance_topic(lake: Lake, templates: dict) -> None:
    z = lake.zones["finance"]
    topic = {"Ref": lid(z.alerts)}
    templates["Zone-finance"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "InsightLake", "MetricName": "HoursSinceLoad",
        "Dimensions": [{"Name": "service", "Value": "sweep"}, {"Name": "table", "Value": "finance_ods.expenses"}],
        "Statistic": "Maximum", "Period": 3600,  # the freshness sweep's schedule
        "Threshold": 26, "ComparisonOperator": "GreaterThanThreshold",  # expenses.yaml: freshness 26 h
        "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
        "TreatMissingData": "notBreaching",  # never loaded yet: not an alarm (a stopped sweep has its own)
        "AlarmActions": [topic], "OKActions": [topic],
    })
    templates["Zone-finance"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "Dimensions": Match.array_with([{"Name": "table", "Value": "finance_ods.cost_centers"}]),
        "Threshold": 7 * 24})  # "7 d"


def test_every_dataset_with_an_sla_and_only_those_has_an_alarm(lake: Lake, templates: dict) -> None:
    for name, z in lake.zones.items():
        want = {f"{name}_ods.{d}": ds.freshness_hours for d, ds in z.zone.datasets.items() if ds.freshness_hours}
        got = {next(d["Value"] for d in a["Properties"]["Dimensions"] if d["Name"] == "table"):
               a["Properties"]["Threshold"]
               for a in templates[f"Zone-{name}"].find_resources("AWS::CloudWatch::Alarm", {
                   "Properties": {"MetricName": "HoursSinceLoad"}}).values()}
        assert got == want, name
    assert not lake.zones["executive"].freshness.alarms  # no datasets of its own
