"""The Glue security configuration every job runs with: S3 output, CloudWatch logs and job
bookmarks all encrypted with the lake key."""

from __future__ import annotations

from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from constructs import Construct


class GlueSecurity(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, name: str) -> None:
        super().__init__(scope, id)
        cfg = glue.CfnSecurityConfiguration
        # Glue requires a name; it is the stack's, so two stages never collide.
        self.configuration = cfg(
            self, "Configuration",
            name=name,
            encryption_configuration=cfg.EncryptionConfigurationProperty(
                s3_encryptions=[cfg.S3EncryptionProperty(s3_encryption_mode="SSE-KMS", kms_key_arn=key.key_arn)],
                cloud_watch_encryption=cfg.CloudWatchEncryptionProperty(
                    cloud_watch_encryption_mode="SSE-KMS", kms_key_arn=key.key_arn),
                job_bookmarks_encryption=cfg.JobBookmarksEncryptionProperty(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=key.key_arn),
            ),
        )
        self.name = name
