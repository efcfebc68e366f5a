"""Optional cross-region replication of ODS and analytics (``-c lake:replicationRegion=...``)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from infra.composer import Lake, build
from lake.config import load_config
from tests.infra.conftest import cdk_context
from tests.infra.zonegen import generate


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = generate(tmp_path_factory.mktemp("zones1") / "insight_zones", zones=1, datasets=1)
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out.rep")),
                  context=cdk_context(**{"lake:replicationRegion": "eu-central-1"}))
    lake = build(app, cfg=load_config(root))
    app.synth()  # cdk-nag included
    return lake


def test_without_the_context_flag_there_is_no_replica(lake: Lake) -> None:
    assert lake.replica is None


def test_ods_and_analytics_replicate_encrypted_into_the_replica_region(replicated: Lake) -> None:
    assert replicated.replica is not None and replicated.replica.region == "eu-central-1"
    storage = Template.from_stack(replicated.storage)
    storage.resource_properties_count_is("AWS::S3::Bucket", {"ReplicationConfiguration": {
        "Role": Match.any_value(),
        "Rules": [Match.object_like({
            "Status": "Enabled",
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
            "Destination": {"Bucket": Match.string_like_regexp(r"^arn:aws:s3:::insightlake-dev-replica"),
                            "EncryptionConfiguration": {
                                "ReplicaKmsKeyID":
                                    "arn:aws:kms:eu-central-1:111111111111:alias/insightlake-dev-replica"}},
        })]}}, 2)
    replica = Template.from_stack(replicated.replica)
    replica.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    replica.resource_properties_count_is("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [Match.object_like({
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}})]},
    }, 2)


def test_erasure_reaches_the_replicas(replicated: Lake) -> None:
    """Delete markers replicate (above); the versions they hide expire in the replica as fast as in the
    source, as lifecycle actions are not replicated; version deletes, which S3 does not replicate, are
    not the erasure role's to make in the replicated layers (tests/infra/test_erasure.py)."""
    replica = Template.from_stack(replicated.replica)  # type: ignore[arg-type]
    replica.resource_properties_count_is("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Prefix": "zone00/", "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                           "ExpiredObjectDeleteMarker": True})])}}, 2)
    storage = Template.from_stack(replicated.storage)
    storage.resource_properties_count_is("AWS::S3::Bucket", {"ReplicationConfiguration": Match.any_value(),
                                                             "LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Prefix": "zone00/", "NoncurrentVersionExpiration": {"NoncurrentDays": 1}})])}}, 2)


def test_outdir_is_self_contained(replicated: Lake) -> None:
    out = Path(replicated.storage.node.root.outdir)  # type: ignore[attr-defined]
    assert (out / "Replica.template.json").exists()
