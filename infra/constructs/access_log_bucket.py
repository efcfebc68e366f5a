"""The target of every bucket's server access logs.

S3 server access logging can only deliver to a bucket encrypted with SSE-S3, so this one
bucket is not on the lake key (acknowledged in infra/nag.py and .checkov.yaml).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct


class AccessLogBucket(Construct):
    def __init__(self, scope: Construct, id: str, *, allow_destroy: bool, retention_days: int = 400) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self, "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(
                id="expire-logs",
                expiration=Duration.days(retention_days),
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )],
            removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN,
        )
