"""Athena queries as a zone, under moto (which runs no SQL: the results are seeded)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import boto3
import pytest
from moto.athena.models import QueryResults, athena_backends

from lake.backends.aws_query import AthenaQuery

COLUMNS = [{"Name": "department", "Type": "varchar"}, {"Name": "total_amount", "Type": "decimal", "Precision": 14,
            "Scale": 2}, {"Name": "expense_count", "Type": "bigint"}, {"Name": "month", "Type": "date"}]


def row(*values: str | None) -> dict:
    return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}


@pytest.fixture
def athena(aws: None):  # noqa: ANN201
    client = boto3.client("athena")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client.create_work_group(Name="InsightLake-dev-executive", Configuration={
        "ResultConfiguration": {"OutputLocation": "s3://results/executive/"},
        "EnforceWorkGroupConfiguration": True})
    yield client


def test_a_zone_queries_in_its_workgroup_and_gets_typed_arrow(athena) -> None:  # noqa: ANN001
    backend = athena_backends["123456789012"]["eu-west-1"]
    backend.query_results_queue.append(QueryResults(
        rows=[row("department", "total_amount", "expense_count", "month"),
              row("Engineering", "1279.50", "2", "2024-03-01"), row("Sales", None, "0", "2024-03-01")],
        column_info=COLUMNS))
    table = AthenaQuery("InsightLake-dev").query("executive", "SELECT * FROM executive_analytics.spend_by_department")
    assert table.column_names == ["department", "total_amount", "expense_count", "month"]
    assert table.to_pylist() == [
        {"department": "Engineering", "total_amount": Decimal("1279.50"), "expense_count": 2,
         "month": dt.date(2024, 3, 1)},
        {"department": "Sales", "total_amount": None, "expense_count": 0, "month": dt.date(2024, 3, 1)}]
    [qid] = athena.list_query_executions(WorkGroup="InsightLake-dev-executive")["QueryExecutionIds"]
    assert athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["WorkGroup"] == \
        "InsightLake-dev-executive"


def test_the_request_names_workgroup_database_and_output_location(athena) -> None:  # noqa: ANN001
    backend = athena_backends["123456789012"]["eu-west-1"]
    backend.query_results_queue.append(QueryResults(rows=[row("n"), row("1")],
                                                    column_info=[{"Name": "n", "Type": "bigint"}]))
    AthenaQuery("InsightLake-dev").query("executive", "SELECT count(*) AS n FROM finance_analytics.expense_summary")
    [qid] = athena.list_query_executions(WorkGroup="InsightLake-dev-executive")["QueryExecutionIds"]
    q = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    assert q["WorkGroup"] == "InsightLake-dev-executive"
    assert q["QueryExecutionContext"]["Database"] == "finance_analytics"
    assert q["ResultConfiguration"]["OutputLocation"].startswith("s3://results/executive/")


def test_lake_query_target_aws(athena, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from lake.cli import main

    monkeypatch.setenv("ATHENA_WORKGROUP_PREFIX", "InsightLake-dev")
    backend = athena_backends["123456789012"]["eu-west-1"]
    backend.query_results_queue.append(QueryResults(rows=[row("region", "hires"), row("EMEA", "3")],
                                                    column_info=[{"Name": "region", "Type": "varchar"},
                                                                 {"Name": "hires", "Type": "bigint"}]))
    assert main(["query", "--target", "aws", "--zone", "executive", "--format", "csv",
                 "SELECT region, hires FROM executive_analytics.hiring_by_region"]) == 0
    assert capsys.readouterr().out.splitlines() == ["region,hires", "EMEA,3"]
    [qid] = athena.list_query_executions(WorkGroup="InsightLake-dev-executive")["QueryExecutionIds"]
    assert athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Query"].startswith("SELECT region")


def test_lake_query_target_aws_as_a_role(athena, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from lake.cli import main

    monkeypatch.setenv("ATHENA_WORKGROUP_PREFIX", "InsightLake-dev")
    role = boto3.client("iam").create_role(RoleName="exec-analyst", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    backend = athena_backends["123456789012"]["eu-west-1"]
    backend.query_results_queue.append(QueryResults(rows=[row("n"), row("1")],
                                                    column_info=[{"Name": "n", "Type": "bigint"}]))
    assert main(["query", "--target", "aws", "--zone", "executive", "--as", role, "--format", "json",
                 "SELECT 1 AS n"]) == 0
    assert capsys.readouterr().out.strip() == '{"n": 1}'
    assert main(["query", "--target", "aws", "--as", role, "SELECT 1"]) == 2
