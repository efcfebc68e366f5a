"""Loaded first in every process the twin starts (Lambda worker, Glue job run): records each AWS
call this process makes (botocore ``before-call``) as a JSON line in ``$TWIN_CALLS_FILE``, named
``$TWIN_COMPONENT``. Standalone: it must not import the lake (the process runs the asset's copy)."""

from __future__ import annotations

import json
import os
import threading

_lock = threading.Lock()
NAMING = ("Bucket", "Key", "Prefix", "QueueUrl", "TableName", "IndexName", "FunctionName", "JobName", "TopicArn",
          "TargetArn", "stateMachineArn", "executionArn", "taskToken", "Name", "DatabaseName", "SecretId",
          "WorkGroup", "EventBusName", "LogGroupName", "KeyId", "RoleName", "RunId", "CatalogId", "VersionId",
          "QueueName", "Namespace", "CopySource", "LogStreamName", "QueryExecutionId")
# botocore's event with the API parameters (``before-call`` sees the serialized request instead)
EVENT = "before-parameter-build"


def summarize(params):
    out = {}
    for k in NAMING:
        if k in params and params[k] is not None:
            v = params[k]
            out[k] = (v if isinstance(v, str) else json.dumps(v, default=str))[:300]
    if isinstance(params.get("Entries"), list):  # events:PutEvents
        out["Sources"] = ",".join(sorted({str(e.get("Source")) for e in params["Entries"]}))
        buses = {str(e["EventBusName"]) for e in params["Entries"] if e.get("EventBusName")}
        if buses:
            out["EventBusName"] = ",".join(sorted(buses))
    if isinstance(params.get("TableInput"), dict):  # glue:CreateTable / UpdateTable
        out["TableInputName"] = str(params["TableInput"].get("Name"))
    if isinstance(params.get("Delete"), dict):  # s3:DeleteObjects
        out["Keys"] = json.dumps([o.get("Key") for o in params["Delete"].get("Objects", [])])[:2000]
    items = params.get("RequestItems") or {}
    tables = set(items) if isinstance(items, dict) else set()
    for item in params.get("TransactItems") or []:  # dynamodb:TransactWriteItems / TransactGetItems
        tables |= {op.get("TableName") for op in item.values() if isinstance(op, dict) and op.get("TableName")}
    if tables:
        out["TableNames"] = ",".join(sorted(tables))
    keys = _item_keys(params)
    if keys:  # dynamodb:LeadingKeys (the evaluator takes the table's hash key from the template)
        out["ItemKeys"] = json.dumps(keys)[:3000]
    return out


def _strings(item):
    return {k: v["S"][:300] for k, v in (item or {}).items() if isinstance(v, dict) and "S" in v}


def _item_keys(params):
    """The string attributes that can hold a DynamoDB item's partition key, per request item."""
    found = []
    for name in ("Key", "Item"):
        if isinstance(params.get(name), dict):
            found.append({"table": params.get("TableName"), "attrs": _strings(params[name])})
    if params.get("KeyConditionExpression"):
        found.append({"table": params.get("TableName"), "condition": params["KeyConditionExpression"],
                      "names": params.get("ExpressionAttributeNames", {}),
                      "values": _strings(params.get("ExpressionAttributeValues"))})
    for item in params.get("TransactItems") or []:
        for kind, op in item.items():
            if isinstance(op, dict):
                found.append({"table": op.get("TableName"), "op": kind,
                              "attrs": _strings(op.get("Key") or op.get("Item"))})
    return found


def _before_call(model, params, **kwargs):
    path = os.environ.get("TWIN_CALLS_FILE")
    if not path:
        return
    prefix = model.service_model.signing_name or model.service_model.endpoint_prefix
    line = json.dumps({"component": os.environ.get("TWIN_COMPONENT", "?"), "action": f"{prefix}:{model.name}",
                       "resources": summarize(params)})
    with _lock, open(path, "a") as f:
        f.write(line + "\n")


def install():
    import botocore.session

    original = botocore.session.Session.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.register(EVENT, _before_call)

    botocore.session.Session.__init__ = __init__
