"""A data bucket that is secure by default, with nothing to override.

KMS with bucket keys, TLS only (1.2+), public access blocked, ACLs disabled, versioned,
server access logs, and lifecycle rules for incomplete uploads and old versions. Under the
prefixes that may hold personal data (lake/config/personal_data.py), old versions expire within
a day: what an erasure deleted or rewrote is then physically gone, not kept as a noncurrent version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


class SecureBucket(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        key: kms.IKey,
        access_logs: s3.IBucket,
        allow_destroy: bool,
        noncurrent_version_days: int,
        expire_days: int | None = None,
        expire_prefixes: Mapping[str, int] | None = None,
        erasable_prefixes: Sequence[str] = (),
        erased_version_days: int = 1,
        event_bridge: bool = False,
    ) -> None:
        super().__init__(scope, id)
        rules = [s3.LifecycleRule(
            id="abort-incomplete-uploads-and-expire-old-versions",
            abort_incomplete_multipart_upload_after=Duration.days(7),
            noncurrent_version_expiration=Duration.days(noncurrent_version_days),
        )]
        rules += erasure_rules(erasable_prefixes, erased_version_days)
        if expire_days:
            rules.append(s3.LifecycleRule(id="expire-objects", expiration=Duration.days(expire_days)))
        for prefix, days in sorted((expire_prefixes or {}).items()):
            rules.append(s3.LifecycleRule(id=f"expire-{prefix.strip('/_')}", prefix=prefix,
                                          expiration=Duration.days(days)))
        self.bucket = s3.Bucket(
            self, "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{id.lower()}/",
            lifecycle_rules=rules,
            # Data outlives stacks unless the cdk.json context explicitly says otherwise.
            removal_policy=RemovalPolicy.DESTROY if allow_destroy else RemovalPolicy.RETAIN,
        )
        if event_bridge:
            # Native CloudFormation property, rather than `event_bridge_enabled`, which adds a
            # custom-resource Lambda to the stack only to make this one API call.
            cfn = self.bucket.node.default_child
            assert isinstance(cfn, s3.CfnBucket)
            cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(event_bridge_enabled=True))


def erasure_rules(prefixes: Sequence[str], days: int) -> list[s3.LifecycleRule]:
    """Old versions under these prefixes expire after ``days`` (the shorter expiration wins where rules
    overlap), and delete markers left with no version behind them go too."""
    return [s3.LifecycleRule(id=f"expire-erased-versions-{p.strip('/').replace('/', '-') or 'all'}", prefix=p,
                             noncurrent_version_expiration=Duration.days(days), expired_object_delete_marker=True)
            for p in sorted(set(prefixes))]
