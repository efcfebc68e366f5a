"""What the tasks need from the deployment: every Spark job reads the Glue Data Catalog through
Spark's own catalog, and the validator Lambda has /tmp for the largest file it validates itself."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from lake.ingest import big_files

SESSION_CATALOG = "spark.sql.catalog.spark_catalog=org.apache.iceberg.spark.SparkSessionCatalog"


def spark_jobs(templates: dict[str, Template]) -> dict[str, dict]:
    return {f"{stack}/{lid}": r["Properties"] for stack, t in templates.items()
            for lid, r in t.find_resources("AWS::Glue::Job").items() if r["Properties"]["Command"]["Name"] == "glueetl"}


def test_every_spark_job_on_the_session_catalog_enables_the_glue_data_catalog(templates: dict) -> None:
    jobs = spark_jobs(templates)
    assert len(jobs) >= 8  # to_ods and projections per zone, validate_large, erase, vacuum
    for name, props in jobs.items():
        args = props["DefaultArguments"]
        assert SESSION_CATALOG in args["--conf"], name
        # SparkSessionCatalog sends namespace and listing calls to Spark's built-in catalog: without
        # this, an empty in-memory metastore on Glue (the vacuum lists no tables, CREATE NAMESPACE fails).
        assert args.get("--enable-glue-datacatalog") == "true", name


def test_the_validator_has_tmp_for_the_largest_file_it_validates_itself(templates: dict) -> None:
    fns = [r["Properties"] for r in templates["Pipeline"].find_resources("AWS::Lambda::Function").values()
           if r["Properties"].get("Handler") == "lambdas.validator.handler.handler"]
    [fn] = fns
    threshold = int(fn["Environment"]["Variables"]["INGEST_GLUE_THRESHOLD_BYTES"])
    tmp_mib = fn["EphemeralStorage"]["Size"]
    # the downloaded file plus the staged Parquet and rejected rows written beside it
    assert tmp_mib * 2**20 >= 3 * threshold
    assert tmp_mib == big_files.lambda_scratch_mib(threshold) <= 10240


def test_platform_records_are_athena_tables_over_the_objects_the_tasks_write(templates: dict) -> None:
    from lake.backends.athena_records import HISTORY, columns

    tables = {r["Properties"]["TableInput"]["Name"]: r["Properties"]
              for r in templates["Storage"].find_resources("AWS::Glue::Table").values()
              if r["Properties"]["DatabaseName"] == "platform"}
    assert sorted(tables) == sorted(HISTORY)
    runs = tables["runs"]["TableInput"]
    assert [c["Name"] for c in runs["StorageDescriptor"]["Columns"]] == [c for c, _ in columns("runs")]
    assert runs["PartitionKeys"] == [{"Name": "zone", "Type": "string"}]
    assert runs["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    params = runs["Parameters"]
    assert set(params["projection.zone.values"].split(",")) == {"finance", "executive", "customer_success", "_none"}
    assert "/_platform/runs/zone=${zone}/" in json.dumps(params["storage.location.template"])


def test_each_zone_reads_only_its_own_platform_rows(templates: dict) -> None:
    t = templates["Zone-finance"]
    filters = {r["Properties"]["TableName"]: r["Properties"]
               for r in t.find_resources("AWS::LakeFormation::DataCellsFilter").values()}
    assert sorted(filters) == ["approvals", "erasures", "quality_results", "runs"]
    assert all(f["RowFilter"] == {"FilterExpression": "zone = 'finance'"} and f["DatabaseName"] == "platform"
               for f in filters.values())
    grants = [r["Properties"] for r in t.find_resources("AWS::LakeFormation::PrincipalPermissions").values()
              if "DataCellsFilter" in r["Properties"]["Resource"]]
    readers = {json.dumps(g["Principal"]["DataLakePrincipalIdentifier"]) for g in grants}
    assert any("finance_analyst" in r for r in readers) and all(g["Permissions"] == ["SELECT"] for g in grants)
    assert not any("executive" in r for r in readers)


def test_zone_jobs_alert_through_sns_and_write_their_records(templates: dict) -> None:
    t = templates["Zone-finance"]
    for job in t.find_resources("AWS::Glue::Job").values():
        args = job["Properties"]["DefaultArguments"]
        assert "{zone}" in json.dumps(args["--alert_topic_arn_pattern"]) and args["--platform_alert_topic_arn"]
    policies = json.dumps(t.find_resources("AWS::IAM::Policy"))
    assert "_platform/*" in policies and "sns:Publish" in policies
