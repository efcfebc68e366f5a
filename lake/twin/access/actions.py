"""A recorded API call as the IAM requests it makes: the IAM action(s) (``HeadObject`` is
``s3:GetObject``), the resource ARN(s) it is authorized on, the condition keys AWS puts in its request
context, and the KMS requests the service then makes with the caller's credentials (SSE-KMS objects,
queues, topics, tables, secrets, the Glue catalog), with ``kms:ViaService`` and the encryption context
AWS sets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lake.twin.deploy import Deployment

Context = dict[str, list[str]]


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: Context = field(default_factory=dict)
    kms: bool = False  # decided against the key policy as KMS does


class Naming:
    """What the deployment's templates say about names, keys and encryption."""

    def __init__(self, dep: Deployment) -> None:
        self.dep, self.account, self.region = dep, dep.assembly.account, dep.assembly.region
        self.bucket_keys: dict[str, tuple[str, bool]] = {}  # bucket -> (key ARN, bucket key enabled)
        for b in dep.of_type("AWS::S3::Bucket"):
            for rule in b.properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", []):
                default = rule.get("ServerSideEncryptionByDefault", {})
                if default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID"):
                    key = self.key_arn(default["KMSMasterKeyID"])
                    self.bucket_keys[b.ref] = (key, bool(rule.get("BucketKeyEnabled")))
        self.locations = {d.ref: str(d.properties["DatabaseInput"].get("LocationUri", "")).rstrip("/")
                          for d in dep.of_type("AWS::Glue::Database")}
        self.catalog_key = None
        for s in dep.of_type("AWS::Glue::DataCatalogEncryptionSettings"):
            rest = s.properties.get("DataCatalogEncryptionSettings", {}).get("EncryptionAtRest", {})
            if rest.get("SseAwsKmsKeyId"):
                self.catalog_key = self.key_arn(rest["SseAwsKmsKeyId"])

    def real_location(self, bucket: str, key: str) -> tuple[str, str]:
        """The twin's swapped Iceberg catalog writes under ``s3://<CATALOG_BUCKET>/warehouse/<db>/<table>/``;
        Glue's catalog puts a table under its database's ``LocationUri``: the object AWS would write."""
        from lake.twin.glue import CATALOG_BUCKET

        parts = key.split("/", 2)
        if bucket != CATALOG_BUCKET or len(parts) < 3 or parts[0] != "warehouse" or not self.locations.get(parts[1]):
            return bucket, key
        real_bucket, _, prefix = self.locations[parts[1]].removeprefix("s3://").partition("/")
        return real_bucket, f"{prefix}/{parts[2]}".lstrip("/")

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def key_arn(self, key: str) -> str:
        if key.startswith("arn:aws:kms:") and ":key/" in key:
            return key
        found = next((k for k in self.dep.of_type("AWS::KMS::Key") if key in (k.ref, k.attrs.get("Arn"))), None)
        return found.attrs["Arn"] if found else self.arn("kms", f"key/{key}")

    def queue_arn(self, url_or_name: str) -> str:
        q = self.dep.by_ref("AWS::SQS::Queue", url_or_name)
        return q.attrs["Arn"] if q else self.arn("sqs", url_or_name.rstrip("/").rsplit("/", 1)[-1])

    def queue_key(self, queue_arn: str) -> str | None:
        q = next((q for q in self.dep.of_type("AWS::SQS::Queue") if q.attrs.get("Arn") == queue_arn), None)
        key = q.properties.get("KmsMasterKeyId") if q else None
        return self.key_arn(key) if key and "alias/aws/" not in str(key) else None

    def topic_key(self, topic_arn: str) -> str | None:
        t = self.dep.by_ref("AWS::SNS::Topic", topic_arn)
        key = t.properties.get("KmsMasterKeyId") if t else None
        return self.key_arn(key) if key and "alias/aws/" not in str(key) else None

    def table(self, name: str) -> tuple[str | None, str | None]:
        """(hash key attribute, KMS key ARN) of a DynamoDB table of the templates."""
        t = self.dep.by_ref("AWS::DynamoDB::Table", name)
        if t is None:
            return None, None
        hash_key = next((k["AttributeName"] for k in t.properties.get("KeySchema", []) if k["KeyType"] == "HASH"), None)
        sse = t.properties.get("SSESpecification", {})
        key = sse.get("KMSMasterKeyId") if sse.get("SSEEnabled") and sse.get("SSEType") == "KMS" else None
        return hash_key, (self.key_arn(key) if key else None)

    def secret(self, secret_id: str) -> tuple[str, str | None]:
        s = next((s for s in self.dep.of_type("AWS::SecretsManager::Secret")
                  if secret_id in (s.ref, s.properties.get("Name"))), None)
        if s is None:
            return secret_id, None
        key = s.properties.get("KmsKeyId")
        return s.ref, (self.key_arn(key) if key else None)

    def via(self, service: str, key: str, action: str, context: Context | None = None) -> Need:
        ctx = {"kms:viaservice": [f"{service}.{self.region}.amazonaws.com"], "kms:calleraccount": [self.account],
               **(context or {})}
        return Need(action, key, ctx, kms=True)


_S3_ACTIONS = {"HeadObject": "GetObject", "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
               "CompleteMultipartUpload": "PutObject", "ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
               "HeadBucket": "ListBucket", "ListObjectVersions": "ListBucketVersions",
               "ListMultipartUploads": "ListBucketMultipartUploads", "ListParts": "ListMultipartUploadParts",
               "GetBucketNotificationConfiguration": "GetBucketNotification",
               "PutBucketNotificationConfiguration": "PutBucketNotification", "DeleteObjects": "DeleteObject"}
_S3_BUCKET_LEVEL = {"ListBucket", "ListBucketVersions", "GetBucketLocation", "ListBucketMultipartUploads",
                    "GetBucketVersioning", "GetBucketNotification", "PutBucketNotification", "GetBucketTagging"}
_SQS_BATCH = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
              "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def needs(n: Naming, action: str, params: dict[str, str]) -> Iterator[Need]:
    service, _, op = action.partition(":")
    handler = _HANDLERS.get(service)
    if handler is not None:
        yield from handler(n, op, params)
    elif service in ("sts",) and op == "GetCallerIdentity":
        return  # needs no permission
    else:
        yield Need(action, "*")


def _s3(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    for name in ("Key", "Prefix"):  # the swapped Iceberg catalog's objects and listings, where AWS has them
        if name in p:
            real_bucket, real = n.real_location(p.get("Bucket", ""), p[name])
            p = {**p, "Bucket": real_bucket, name: real}
    bucket = p.get("Bucket", "")
    versioned = "Version" if p.get("VersionId") else ""
    if op == "CopyObject":
        src = _copy_source(p.get("CopySource", ""))
        yield from _s3(n, "GetObject", src)
        yield from _s3(n, "PutObject", {"Bucket": bucket, "Key": p.get("Key", "")})
        return
    if op == "DeleteObjects":
        for key in json.loads(p.get("Keys", "[]")):
            yield from _s3(n, "DeleteObject", {"Bucket": bucket, "Key": key})
        return
    iam = _S3_ACTIONS.get(op, op)
    if iam in ("GetObject", "DeleteObject"):
        iam += versioned
    bucket_arn = f"arn:aws:s3:::{bucket}"
    context: Context = {}
    if op in ("ListObjectsV2", "ListObjects", "ListObjectVersions"):  # no prefix asked: s3:prefix is ""
        context["s3:prefix"] = [p.get("Prefix") or ""]
    resource = bucket_arn if iam in _S3_BUCKET_LEVEL or "Key" not in p else f"{bucket_arn}/{p['Key']}"
    yield Need(f"s3:{iam}", resource, context)
    encryption = n.bucket_keys.get(bucket)
    if encryption and "Key" in p and op != "HeadObject":
        key, bucket_key = encryption
        ec = {"kms:encryptioncontext:aws:s3:arn": [bucket_arn if bucket_key else f"{bucket_arn}/{p['Key']}"]}
        if iam in ("PutObject",) and op != "UploadPart":
            yield n.via("s3", key, "kms:GenerateDataKey", ec)
        if iam.startswith("GetObject") or op == "CompleteMultipartUpload":
            yield n.via("s3", key, "kms:Decrypt", ec)


def _copy_source(raw: str) -> dict[str, str]:
    try:
        src = json.loads(raw)
        out = {"Bucket": src["Bucket"], "Key": src["Key"]}
        if src.get("VersionId"):
            out["VersionId"] = src["VersionId"]
        return out
    except (ValueError, TypeError, KeyError):
        path, _, query = raw.lstrip("/").partition("?versionId=")
        bucket, _, key = path.partition("/")
        return {"Bucket": bucket, "Key": key, **({"VersionId": query} if query else {})}


def _sqs(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    queue = n.queue_arn(p.get("QueueUrl") or p.get("QueueName", ""))
    iam = _SQS_BATCH.get(op, op)
    yield Need(f"sqs:{iam}", queue)
    key = n.queue_key(queue)
    if key and iam == "SendMessage":
        yield n.via("sqs", key, "kms:GenerateDataKey", {"kms:encryptioncontext:aws:sqs:arn": [queue]})
        yield n.via("sqs", key, "kms:Decrypt", {"kms:encryptioncontext:aws:sqs:arn": [queue]})
    elif key and iam == "ReceiveMessage":
        yield n.via("sqs", key, "kms:Decrypt", {"kms:encryptioncontext:aws:sqs:arn": [queue]})


def _sns(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    topic = p.get("TopicArn") or p.get("TargetArn") or "*"
    yield Need(f"sns:{op}", topic)
    key = n.topic_key(topic)
    if key and op == "Publish":
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            yield n.via("sns", key, action, {"kms:encryptioncontext:aws:sns:topicarn": [topic]})


def _dynamodb(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    items = json.loads(p.get("ItemKeys", "[]"))
    if op in ("TransactWriteItems", "TransactGetItems", "BatchWriteItem", "BatchGetItem"):
        per_op = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                  "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
        for item in items:
            yield from _table_need(n, per_op.get(item.get("op", ""), op), item["table"], None, [item])
        return
    yield from _table_need(n, op, p.get("TableName", ""), p.get("IndexName"), items)


def _table_need(n: Naming, op: str, table: str, index: str | None, items: list[dict[str, Any]]) -> Iterator[Need]:
    hash_key, key = n.table(table)
    arn = n.arn("dynamodb", f"table/{table}") + (f"/index/{index}" if index else "")
    leading = sorted({v for v in (_leading(item, hash_key) for item in items) if v is not None})
    yield Need(f"dynamodb:{op}", arn, {"dynamodb:leadingkeys": leading} if leading else {})
    if key:
        yield n.via("dynamodb", key, "kms:Decrypt", {"kms:encryptioncontext:aws:dynamodb:tablename": [table],
                                                     "kms:encryptioncontext:aws:dynamodb:subscriberid": [n.account]})


def _leading(item: dict[str, Any], hash_key: str | None) -> str | None:
    if hash_key is None:
        return None
    if "attrs" in item:
        return item["attrs"].get(hash_key)  # type: ignore[no-any-return]
    names = item.get("names", {})
    for name, value in re.findall(r"(#?[\w.]+)\s*=\s*(:\w+)", item.get("condition", "")):
        if names.get(name, name) == hash_key:
            return item.get("values", {}).get(value)  # type: ignore[no-any-return]
    return None


_GLUE_WRITES = {"CreateTable", "UpdateTable", "DeleteTable", "CreatePartition", "BatchCreatePartition",
                "UpdatePartition", "BatchUpdatePartition", "DeletePartition", "BatchDeletePartition", "CreateDatabase"}


def _glue(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    if "JobName" in p:
        yield Need(f"glue:{op}", n.arn("glue", f"job/{p['JobName']}"))
        return
    resources = [n.arn("glue", "catalog")]
    db = p.get("DatabaseName") or (p.get("Name") if op in ("GetDatabase", "CreateDatabase") else None)
    if db:
        resources.append(n.arn("glue", f"database/{db}"))
        table = p.get("TableInputName") or p.get("TableName") or (p.get("Name") if "Table" in op else None)
        if table or op == "GetTables":
            resources.append(n.arn("glue", f"table/{db}/{table or '*'}"))
    for r in resources:
        yield Need(f"glue:{op}", r)
    if n.catalog_key:
        yield n.via("glue", n.catalog_key, "kms:GenerateDataKey" if op in _GLUE_WRITES else "kms:Decrypt")


def _secrets(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    arn, key = n.secret(p.get("SecretId", "*"))
    yield Need(f"secretsmanager:{op}", arn)
    if key and op == "GetSecretValue":
        yield n.via("secretsmanager", key, "kms:Decrypt", {"kms:encryptioncontext:secretarn": [arn]})


def _states(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    yield Need(f"states:{op}", p.get("stateMachineArn") or p.get("executionArn") or "*")


def _simple(service: str, key: str, shape: str) -> Any:
    def handler(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
        value = p.get(key)
        yield Need(f"{service}:{op}", value if value and value.startswith("arn:") else
                   n.arn(service, shape.format(value)) if value else "*")
    return handler


def _lambda(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    name = p.get("FunctionName", "*")
    arn = name if name.startswith("arn:") else n.arn("lambda", f"function:{name}")
    yield Need("lambda:InvokeFunction" if op == "Invoke" else f"lambda:{op}", arn)


def _events(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    for bus in (p.get("EventBusName") or "default").split(","):
        yield Need(f"events:{op}", bus if bus.startswith("arn:") else n.arn("events", f"event-bus/{bus}"))


def _cloudwatch(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    yield Need(f"cloudwatch:{op}", "*", {"cloudwatch:namespace": [p["Namespace"]]} if p.get("Namespace") else {})


def _lakeformation(n: Naming, op: str, p: dict[str, str]) -> Iterator[Need]:
    yield Need(f"lakeformation:{op}", "*")


_HANDLERS: dict[str, Any] = {
    "s3": _s3, "sqs": _sqs, "sns": _sns, "dynamodb": _dynamodb, "glue": _glue, "secretsmanager": _secrets,
    "states": _states, "lambda": _lambda, "events": _events, "cloudwatch": _cloudwatch,
    "lakeformation": _lakeformation, "athena": _simple("athena", "WorkGroup", "workgroup/{}"),
    "logs": _simple("logs", "LogGroupName", "log-group:{}:*"),
}
