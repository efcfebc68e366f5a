"""Who may redrive a failed promotion: what the "promotion failed" alert asks the platform operators
to do (read the failed execution's input, start the zone's state machine again with it) — nothing
else. Step Functions' own RedriveExecution is not granted: the twin does not run it, so it is not
proven. A second execution of the same input promotes each file once: a promotion takes what the
ledger says is pending (tests/twin/test_drills.py, which also proves these calls allowed).

One managed policy for every zone's state machine (named ``<prefix>-<zone>-promotion``), not one per
zone: a role may hold only ten managed policies, and the zones grow with the config. Attached to the
stage's ``lakeAdmins`` roles; attach it (stack output ``PromotionOperatorPolicyArn``) to other
operator roles. Identity Center's roles get nothing attached: their permission set references it by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.principals import attachable


class PromotionOperators(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, roles: Sequence[str], policy_name: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        machines = stack.format_arn(service="states", resource="stateMachine", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                                    resource_name=f"{prefix}-*-promotion")
        executions = stack.format_arn(service="states", resource="execution", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                                      resource_name=f"{prefix}-*-promotion:*")
        self.policy = iam.ManagedPolicy(
            self, "Policy", managed_policy_name=policy_name,
            description="Redrive a failed promotion (what its alert asks): read its input, start it again",
            statements=[
                iam.PolicyStatement(sid="StartPromotions", actions=["states:StartExecution"], resources=[machines]),
                iam.PolicyStatement(sid="ReadFailedPromotions", actions=["states:DescribeExecution"],
                                    resources=[executions]),
            ],
            roles=[iam.Role.from_role_arn(self, f"Operator{i}", arn, mutable=False)
                   for i, arn in enumerate(attachable(roles))])
