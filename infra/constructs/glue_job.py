"""A Glue 5 PySpark job of the lake: the entry script and the lake's code zip as assets, the
shared security configuration, Iceberg on the Glue Data Catalog as Spark's default catalog,
and a role that starts with only what every Glue job needs (logs, metrics, its own code).
What the job may read and write is granted by the composer (infra/grants.py)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra import lambda_deps
from infra.constructs.lake_code import code_asset, script_asset
from infra.settings import catalog_prefix_of

GLUE_VERSION = "5.0"  # Spark 3.5, Python 3.11: what the jobs are tested with locally
DEFAULT_TIMEOUT_MINUTES = 120
# Tables are named <zone>_<layer>.<table> with no catalog prefix, so Spark's own catalog is
# the Iceberg one, backed by Glue (the local runs use a Hadoop catalog the same way).
ICEBERG_CONF = " --conf ".join([
    "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.spark_catalog=org.apache.iceberg.spark.SparkSessionCatalog",
    "spark.sql.catalog.spark_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
    "spark.sql.catalog.spark_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
    "spark.sql.catalog.spark_catalog.glue.lakeformation-enabled=false",
])


GLUE_MODULES = ("pydantic", "PyYAML", "jsonschema", "sqlglot", "open-data-contract-standard")


def python_modules() -> str:
    """The lake's pure-Python dependencies Glue installs (pyarrow and boto3 ship with Glue 5)."""
    pins = lambda_deps.pinned()
    return ",".join(f"{m}=={pins[m.lower()]}" for m in GLUE_MODULES)


class LakeGlueJob(Construct):
    def __init__(self, scope: Construct, id: str, *, script: str, description: str, key: kms.IKey,
                 security_configuration: str, arguments: Mapping[str, str], python_modules: str,
                 temp_dir: str, workers: int = 2, timeout_minutes: int = DEFAULT_TIMEOUT_MINUTES,
                 max_concurrent_runs: int = 1, role: iam.Role | None = None) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        entry, code = script_asset(self, script), code_asset(self)
        # A role of its own unless given one: jobs that are one unit of privilege share it (erasure).
        self.role = role or iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
                                     description=f"Glue job {id}: {description}")
        self.role.add_to_policy(iam.PolicyStatement(
            # IAM wants statement ids unique within a policy: a shared role reads each job's code.
            sid="ReadOwnCode" if role is None else f"ReadCodeOf{id}", actions=["s3:GetObject"],
            resources=[entry.bucket.arn_for_objects(entry.s3_object_key),
                       code.bucket.arn_for_objects(code.s3_object_key)]))
        log_groups = stack.format_arn(service="logs", resource="log-group", resource_name="/aws-glue/*",
                                      arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.role.add_to_policy(iam.PolicyStatement(
            sid="WriteEncryptedLogs", resources=[log_groups, f"{log_groups}:*"],
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="PublishGlueMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": "Glue"}}))
        # The security configuration encrypts logs and bookmarks with the lake key.
        self.role.add_to_policy(iam.PolicyStatement(
            sid="SecurityConfigurationKey", actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            resources=[key.key_arn]))
        self.job = glue.CfnJob(
            self, "Job",
            description=description,
            role=self.role.role_arn,
            glue_version=GLUE_VERSION,
            command=glue.CfnJob.JobCommandProperty(name="glueetl", python_version="3",
                                                   script_location=entry.s3_object_url),
            worker_type="G.1X", number_of_workers=workers, timeout=timeout_minutes, max_retries=0,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(max_concurrent_runs=max_concurrent_runs),
            security_configuration=security_configuration,
            default_arguments={
                "--datalake-formats": "iceberg",
                # SparkSessionCatalog sends namespace and listing calls to Spark's built-in catalog:
                # without this that is an empty in-memory metastore (no tables, no new databases).
                "--enable-glue-datacatalog": "true",
                "--conf": ICEBERG_CONF,
                "--extra-py-files": code.s3_object_url,
                "--additional-python-modules": python_modules,
                "--TempDir": temp_dir,
                "--enable-metrics": "true",
                "--enable-observability-metrics": "true",
                "--enable-continuous-cloudwatch-log": "true",
                "--job-bookmark-option": "job-bookmark-disable",
                "--lake_backend": "aws",
                # A namespaced stage's catalog prefix (glue_jobs/session.py applies it); plain stages set none.
                **({"--lake_catalog_prefix": prefix} if (prefix := catalog_prefix_of(self)) else {}),
                **arguments,
            },
        )
        self.job_name = self.job.ref
        self.job_arn = stack.format_arn(service="glue", resource="job", resource_name=self.job.ref)
