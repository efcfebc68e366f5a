"""Cross-region replication of some lake buckets into the replica stack's buckets.

A dedicated role reads the source versions (decrypting through S3 in the source region) and
writes replicas encrypted with the replica key (through S3 in the replica region); delete
markers replicate too, so an erasure reaches the replicas.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


class Replication(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, pairs: Mapping[s3.Bucket, s3.IBucket],
                 replica_region: str, replica_alias: str, replica_alias_arn: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
                             description="S3 replication of ODS and analytics to the replica region")
        for source, destination in pairs.items():
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"], resources=[source.bucket_arn]))
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                resources=[source.arn_for_objects("*")]))
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                resources=[destination.arn_for_objects("*")]))
            cfn = source.node.default_child
            assert isinstance(cfn, s3.CfnBucket)
            R = s3.CfnBucket
            cfn.replication_configuration = R.ReplicationConfigurationProperty(role=self.role.role_arn, rules=[
                R.ReplicationRuleProperty(
                    id="to-replica-region", status="Enabled", priority=1,
                    filter=R.ReplicationRuleFilterProperty(prefix=""),
                    delete_marker_replication=R.DeleteMarkerReplicationProperty(status="Enabled"),
                    source_selection_criteria=R.SourceSelectionCriteriaProperty(
                        sse_kms_encrypted_objects=R.SseKmsEncryptedObjectsProperty(status="Enabled")),
                    destination=R.ReplicationDestinationProperty(
                        bucket=destination.bucket_arn,
                        encryption_configuration=R.EncryptionConfigurationProperty(replica_kms_key_id=replica_alias_arn)),
                )])
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["kms:Decrypt"], resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}}))
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["kms:Encrypt", "kms:GenerateDataKey"],
            resources=[stack.format_arn(service="kms", region=replica_region, resource="key", resource_name="*")],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"},
                        "ForAnyValue:StringEquals": {"kms:ResourceAliases": [replica_alias]}}))
