"""Who may ask for an erasure: put a request under ``_erasure/requests/`` of landing (encrypted
with the lake key) and start the erasure workflow, then follow its execution — nothing else: no
read of landing, no delete (an unconsumed request expires by lifecycle).

Attached to the stage's ``lakeAdmins`` roles; attach the policy (stack output
``ErasureSubmitterPolicyArn``) to any other platform operator role. Zone principals cannot
submit: the landing bucket refuses them whatever their IAM policies say.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.access import s3_statements
from infra.principals import attachable
from lake.config.personal_data import ERASURE_REQUESTS


class ErasureSubmitters(Construct):
    def __init__(self, scope: Construct, id: str, *, state_machine: sfn.StateMachine, landing: s3.IBucket,
                 roles: Sequence[str], policy_name: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        executions = stack.format_arn(service="states", resource="execution", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                                      resource_name=f"{state_machine.state_machine_name}:*")
        self.policy = iam.ManagedPolicy(
            self, "Policy", managed_policy_name=policy_name,
            description="Submit erasure requests (lake forget --target aws) and follow them",
            statements=[
                *s3_statements(landing, prefixes=[ERASURE_REQUESTS], write=True),
                iam.PolicyStatement(sid="StartErasure", actions=["states:StartExecution"],
                                    resources=[state_machine.state_machine_arn]),
                iam.PolicyStatement(sid="FollowErasures", actions=["states:DescribeExecution"],
                                    resources=[executions]),
            ],
            # Identity Center's roles get nothing attached: their permission set references the policy by name.
            roles=[iam.Role.from_role_arn(self, f"Submitter{i}", arn, mutable=False)
                   for i, arn in enumerate(attachable(roles))])
