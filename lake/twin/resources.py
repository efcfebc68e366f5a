"""Each CloudFormation resource type as the twin creates it in moto (the account and region of
the assembly). A type with no creator here is recorded with CloudFormation's Ref/Arn shapes and
listed in the report as not modelled; nothing the scenario needs is among those."""

from __future__ import annotations

import io
import json
import secrets
import string
import zipfile
from collections.abc import Callable
from typing import Any

import boto3

from lake.twin.deploy import Deployment, Resource, physical_name
from lake.twin.intrinsics import Scope

Creator = Callable[[Deployment, Scope, Resource, Any], None]
_CREATORS: dict[str, Creator] = {}


def creator(type_: str) -> Callable[[Creator], Creator]:
    def register(fn: Creator) -> Creator:
        _CREATORS[type_] = fn
        return fn
    return register


class Creators:
    """The ``create`` callable ``deploy`` takes: one boto3 session for the whole deployment."""

    def __init__(self, region: str) -> None:
        self.session = boto3.Session(region_name=region)
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    def __call__(self, dep: Deployment, scope: Scope, res: Resource) -> None:
        fn = _CREATORS.get(res.type)
        if fn is None:
            res.modelled = False
            res.ref = physical_name(scope.stack_name, res.logical_id)
            res.attrs = _AnyAttribute(f"arn:aws:twin:{scope.region}:{scope.account}:{res.type}/{res.ref}")
            return
        fn(dep, scope, res, self)


class _AnyAttribute(dict[str, Any]):
    """Attributes of a resource the twin does not model: CloudFormation-shaped placeholders."""

    def __init__(self, arn: str) -> None:
        super().__init__(Arn=arn)
        self.arn = arn

    def __missing__(self, attr: str) -> str:
        return f"{self.arn}/{attr}"


def _arn(scope: Scope, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{scope.region}:{scope.account}:{resource}"


@creator("AWS::KMS::Key")
def _key(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    meta = c.client("kms").create_key(Description=res.properties.get("Description", ""))["KeyMetadata"]
    res.ref, res.attrs = meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}


@creator("AWS::S3::Bucket")
def _bucket(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("BucketName") or physical_name(scope.stack_name, res.logical_id, limit=63, lower=True)
    s3 = c.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": scope.region})
    if p.get("VersioningConfiguration", {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if p.get("NotificationConfiguration", {}).get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})
    res.ref = name
    res.attrs = {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
                 "RegionalDomainName": f"{name}.s3.{scope.region}.amazonaws.com"}


@creator("AWS::SQS::Queue")
def _queue(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("QueueName") or physical_name(scope.stack_name, res.logical_id, limit=80)
    attributes = {k: (json.dumps(v) if isinstance(v, dict) else str(v)) for k, v in p.items()
                  if k in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "DelaySeconds",
                           "ReceiveMessageWaitTimeSeconds", "KmsMasterKeyId")}
    tags = {t["Key"]: str(t["Value"]) for t in p.get("Tags", [])}
    url = c.client("sqs").create_queue(QueueName=name, Attributes=attributes, tags=tags)["QueueUrl"]
    res.ref, res.attrs = url, {"Arn": _arn(scope, "sqs", name), "QueueName": name, "QueueUrl": url}


@creator("AWS::SNS::Topic")
def _topic(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    name = res.properties.get("TopicName") or physical_name(scope.stack_name, res.logical_id, limit=256)
    arn = c.client("sns").create_topic(Name=name)["TopicArn"]
    res.ref, res.attrs = arn, {"TopicArn": arn, "TopicName": name, "Arn": arn}


@creator("AWS::SNS::Subscription")
def _subscription(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    arn = c.client("sns").subscribe(TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"],
                                    ReturnSubscriptionArn=True)["SubscriptionArn"]
    res.ref, res.attrs = arn, {"Arn": arn}


@creator("AWS::DynamoDB::Table")
def _table(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("TableName") or physical_name(scope.stack_name, res.logical_id, limit=255)
    args: dict[str, Any] = {"TableName": name, "KeySchema": p["KeySchema"],
                            "AttributeDefinitions": p["AttributeDefinitions"],
                            "BillingMode": p.get("BillingMode", "PROVISIONED")}
    if p.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
    if args["BillingMode"] == "PROVISIONED":
        args["ProvisionedThroughput"] = p.get("ProvisionedThroughput", {"ReadCapacityUnits": 5,
                                                                         "WriteCapacityUnits": 5})
    desc = c.client("dynamodb").create_table(**args)["TableDescription"]
    if p.get("TimeToLiveSpecification", {}).get("Enabled"):
        c.client("dynamodb").update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": p["TimeToLiveSpecification"]["AttributeName"]})
    res.ref, res.attrs = name, {"Arn": desc["TableArn"], "StreamArn": desc.get("LatestStreamArn")}


@creator("AWS::SecretsManager::Secret")
def _secret(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("Name") or physical_name(scope.stack_name, res.logical_id, limit=256)
    value = p.get("SecretString")
    if value is None:  # GenerateSecretString, as Secrets Manager would
        g = p.get("GenerateSecretString", {})
        alphabet = string.ascii_lowercase + string.digits
        if not g.get("ExcludeUppercase"):
            alphabet += string.ascii_uppercase
        if not g.get("ExcludePunctuation"):
            alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
        alphabet = "".join(ch for ch in alphabet if ch not in g.get("ExcludeCharacters", ""))
        value = "".join(secrets.choice(alphabet) for _ in range(int(g.get("PasswordLength", 32))))
    arn = c.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
    res.ref, res.attrs = arn, {"Arn": arn, "Id": arn}


@creator("AWS::IAM::Role")
def _role(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("RoleName") or physical_name(scope.stack_name, res.logical_id, limit=64)
    role = c.client("iam").create_role(RoleName=name, Path=p.get("Path", "/"),
                                       AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]))["Role"]
    for pol in p.get("Policies", []):
        c.client("iam").put_role_policy(RoleName=name, PolicyName=pol["PolicyName"],
                                        PolicyDocument=json.dumps(pol["PolicyDocument"]))
    for arn in p.get("ManagedPolicyArns", []):
        if arn.startswith(f"arn:aws:iam::{scope.account}:"):
            c.client("iam").attach_role_policy(RoleName=name, PolicyArn=arn)
    res.ref, res.attrs = name, {"Arn": role["Arn"], "RoleId": role["RoleId"]}


def _ensure_role(c: Creators, name: str) -> str:
    """A role the deployment expects to exist already (zone principals, lake admins): created empty,
    as the README asks operators to create them before the first deploy."""
    iam = c.client("iam")
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"AWS": "*"}}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                        Description="created by the twin: a principal the deployment expects to exist")
    return name


@creator("AWS::IAM::Policy")
def _policy(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    for role in p.get("Roles", []):
        c.client("iam").put_role_policy(RoleName=_ensure_role(c, role), PolicyName=p["PolicyName"],
                                        PolicyDocument=json.dumps(p["PolicyDocument"]))
    res.ref, res.attrs = physical_name(scope.stack_name, res.logical_id), {}


@creator("AWS::IAM::ManagedPolicy")
def _managed_policy(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("ManagedPolicyName") or physical_name(scope.stack_name, res.logical_id, limit=128)
    arn = c.client("iam").create_policy(PolicyName=name, PolicyDocument=json.dumps(p["PolicyDocument"]),
                                        Path=p.get("Path", "/"))["Policy"]["Arn"]
    for role in p.get("Roles", []):
        c.client("iam").attach_role_policy(RoleName=_ensure_role(c, role), PolicyArn=arn)
    res.ref, res.attrs = arn, {"PolicyArn": arn}


def _placeholder_zip() -> bytes:
    # moto keeps a function's code; the twin runs the asset folder itself (lake.twin.functions).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("twin.txt", "code runs from the cloud assembly's asset folder")
    return buf.getvalue()


@creator("AWS::Lambda::Function")
def _function(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("FunctionName") or physical_name(scope.stack_name, res.logical_id, limit=64)
    out = c.client("lambda").create_function(
        FunctionName=name, Role=p["Role"], Handler=p.get("Handler", "index.handler"),
        Runtime=p.get("Runtime", "python3.12"), Code={"ZipFile": _placeholder_zip()},
        Timeout=int(p.get("Timeout", 3)), MemorySize=int(p.get("MemorySize", 128)),
        Environment={"Variables": {k: str(v) for k, v in p.get("Environment", {}).get("Variables", {}).items()}})
    res.ref, res.attrs = name, {"Arn": out["FunctionArn"]}


@creator("AWS::Lambda::LayerVersion")
def _layer(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    name = physical_name(scope.stack_name, res.logical_id, limit=64)
    res.ref = _arn(scope, "lambda", f"layer:{name}:1")
    res.attrs = {"LayerVersionArn": res.ref}


@creator("AWS::Events::Rule")
def _rule(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("Name") or physical_name(scope.stack_name, res.logical_id, limit=64)
    args: dict[str, Any] = {"Name": name, "State": p.get("State", "ENABLED")}
    if "EventPattern" in p:
        args["EventPattern"] = json.dumps(p["EventPattern"])
    if "ScheduleExpression" in p:
        args["ScheduleExpression"] = p["ScheduleExpression"]
    arn = c.client("events").put_rule(**args)["RuleArn"]
    # Targets live in moto too; its own delivery handles SQS, the twin's router the rest.
    targets = [{k: v for k, v in t.items() if k in ("Id", "Arn", "Input", "RoleArn", "DeadLetterConfig",
                                                     "RetryPolicy", "InputPath")} for t in p.get("Targets", [])]
    if targets:
        c.client("events").put_targets(Rule=name, Targets=targets)
    res.ref, res.attrs = name, {"Arn": arn}


@creator("AWS::Glue::Database")
def _database(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    db = res.properties["DatabaseInput"]
    c.client("glue").create_database(DatabaseInput=db)
    res.ref, res.attrs = db["Name"], {}


@creator("AWS::Glue::Table")
def _glue_table(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    c.client("glue").create_table(DatabaseName=p["DatabaseName"], TableInput=p["TableInput"])
    res.ref, res.attrs = p["TableInput"]["Name"], {}


@creator("AWS::Glue::Job")
def _job(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("Name") or physical_name(scope.stack_name, res.logical_id, limit=255)
    args = {k: v for k, v in p.items() if k in ("Description", "Role", "Command", "DefaultArguments",
                                                  "GlueVersion", "MaxRetries", "Timeout", "WorkerType",
                                                  "NumberOfWorkers", "ExecutionProperty", "SecurityConfiguration")}
    c.client("glue").create_job(Name=name, **args)
    res.ref, res.attrs = name, {}


@creator("AWS::StepFunctions::StateMachine")
def _state_machine(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("StateMachineName") or physical_name(scope.stack_name, res.logical_id, limit=80)
    definition = p.get("DefinitionString") or json.dumps(p["Definition"])
    arn = c.client("stepfunctions").create_state_machine(name=name, definition=definition,
                                                         roleArn=p["RoleArn"])["stateMachineArn"]
    res.ref, res.attrs = arn, {"Arn": arn, "Name": name}


@creator("AWS::Athena::WorkGroup")
def _workgroup(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    cfg = p.get("WorkGroupConfiguration", {})
    c.client("athena").create_work_group(Name=p["Name"], Description=p.get("Description", ""),
                                         Configuration={"ResultConfiguration": {
                                             "OutputLocation": cfg.get("ResultConfiguration", {}).get(
                                                 "OutputLocation", "")}})
    res.ref, res.attrs = p["Name"], {}


@creator("AWS::CloudWatch::Alarm")
def _alarm(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    name = p.get("AlarmName") or physical_name(scope.stack_name, res.logical_id, limit=255)
    keep = ("AlarmDescription", "MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods",
            "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions", "Dimensions")
    args = {k: v for k, v in p.items() if k in keep}
    if "Metrics" in p:
        args["Metrics"] = p["Metrics"]
    c.client("cloudwatch").put_metric_alarm(AlarmName=name, **args)
    res.ref, res.attrs = name, {"Arn": _arn(scope, "cloudwatch", f"alarm:{name}")}


@creator("AWS::Logs::LogGroup")
def _log_group(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    name = res.properties.get("LogGroupName") or physical_name(scope.stack_name, res.logical_id, limit=512)
    c.client("logs").create_log_group(logGroupName=name)
    res.ref, res.attrs = name, {"Arn": _arn(scope, "logs", f"log-group:{name}:*")}


@creator("AWS::LakeFormation::Tag")
def _lf_tag(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    c.client("lakeformation").create_lf_tag(CatalogId=p.get("CatalogId", scope.account), TagKey=p["TagKey"],
                                            TagValues=p["TagValues"])
    res.ref, res.attrs = p["TagKey"], {}


@creator("AWS::LakeFormation::TagAssociation")
def _lf_tag_association(dep: Deployment, scope: Scope, res: Resource, c: Creators) -> None:
    p = res.properties
    c.client("lakeformation").add_lf_tags_to_resource(Resource=p["Resource"], LFTags=p["LFTags"])
    res.ref, res.attrs = physical_name(scope.stack_name, res.logical_id), {}
