"""The catalog governor: a Lambda that applies LF-tags to tables and columns as the zone
config says (``runtime/plan.py``), whenever a lake table is created or changed, and once a day.

Its IAM policy allows tagging and reading catalog metadata only: no data access, and no
``lakeformation:GrantPermissions``, even though Lake Formation requires it to hold table
permissions with the grant option in order to tag.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import lf
from infra.constructs.lake_code import LakeCode
from infra.constructs.lake_function import LakeFunction
from infra.settings import catalog_prefix_of

TABLE_PERMISSIONS = ["DESCRIBE", "ALTER", "DROP", "INSERT", "SELECT", "DELETE"]  # what LF requires to tag


class CatalogGovernor(Construct):
    def __init__(self, scope: Construct, id: str, *, code: LakeCode, key: kms.IKey, alarm_topic: sns.ITopic,
                 dead_letters: sqs.IQueue) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.function = LakeFunction(
            self, "Governor", code=code, handler="infra.governance.runtime.handler.handler",
            description="Apply LF-tags (sensitivity per column, shared_with per published table) from the zone config",
            key=key, environment={"CATALOG_ID": stack.account}, dead_letters=dead_letters,
            alarm_topic=alarm_topic, timeout=Duration.minutes(5), concurrency=5)
        fn = self.function.function
        fn.add_to_role_policy(iam.PolicyStatement(
            sid="TagCatalogResources", resources=["*"],
            actions=["lakeformation:AddLFTagsToResource", "lakeformation:RemoveLFTagsFromResource",
                     "lakeformation:GetResourceLFTags"]))
        ns = catalog_prefix_of(self)  # this stage's databases only (another stage may share the catalog)
        lake_dbs = [f"{ns}*_{layer}" for layer in lf.READABLE_LAYERS]
        fn.add_to_role_policy(iam.PolicyStatement(
            sid="ReadLakeCatalog", actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables"],
            resources=[stack.format_arn(service="glue", resource="catalog"),
                       *(stack.format_arn(service="glue", resource="database", resource_name=d) for d in lake_dbs),
                       *(stack.format_arn(service="glue", resource="table", resource_name=f"{d}/*")
                         for d in lake_dbs)]))
        fn.add_to_role_policy(iam.PolicyStatement(
            sid="DecryptCatalogThroughGlue", actions=["kms:Decrypt"], resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"glue.{stack.region}.amazonaws.com"}}))

        arn = fn.role.role_arn  # type: ignore[union-attr]
        every = {lf.LAYER: list(lf.READABLE_LAYERS)}
        lf.tag_policy_grant(self, "Databases", principal=arn, resource_type="DATABASE", expression=every,
                            permissions=["DESCRIBE"])
        lf.tag_policy_grant(self, "Tables", principal=arn, resource_type="TABLE",
                            expression={**every, lf.SENSITIVITY: [lf.PII, lf.GENERAL]},
                            permissions=TABLE_PERMISSIONS, grantable=TABLE_PERMISSIONS)
        lf.tag_grant(self, "SensitivityTag", principal=arn, key=lf.SENSITIVITY, values=[lf.PII, lf.GENERAL],
                     permissions=["ASSOCIATE", "DESCRIBE"])

        # Glue reports CreateTable as a "Database State Change" (naming changedTables) and UpdateTable as a
        # "Table State Change" (naming tableName): AWS Glue developer guide, automating Glue with EventBridge.
        changed = events.EventPattern(
            source=["aws.glue"],
            detail_type=["Glue Data Catalog Database State Change", "Glue Data Catalog Table State Change"],
            detail={"typeOfChange": ["CreateTable", "UpdateTable"],
                    "databaseName": [{"wildcard": f"{ns}*_{layer}"} if ns else {"suffix": f"_{layer}"}
                                     for layer in lf.READABLE_LAYERS]})
        events.Rule(self, "OnTableChange", description="Tag new or changed lake tables", event_pattern=changed,
                    targets=[targets.LambdaFunction(fn, retry_attempts=4, dead_letter_queue=dead_letters)])
        events.Rule(self, "Daily", description="Re-apply every lake table's tags (catches missed events)",
                    schedule=events.Schedule.rate(Duration.days(1)),
                    targets=[targets.LambdaFunction(fn, retry_attempts=2, dead_letter_queue=dead_letters,
                                                    event=events.RuleTargetInput.from_object({"task": "reconcile"}))])
