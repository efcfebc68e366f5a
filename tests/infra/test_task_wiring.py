"""What the tasks need from the deployment: every Spark job reads the Glue Data Catalog through
Spark's own catalog, and the validator Lambda has /tmp for the largest file it validates itself."""

from __future__ import annotations

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
