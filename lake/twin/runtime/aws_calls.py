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
          "WorkGroup", "EventBusName", "LogGroupName", "KeyId", "RoleName", "RunId", "CatalogId")


def summarize(params):
    out = {}
    for k in NAMING:
        if k in params and params[k] is not None:
            v = params[k]
            out[k] = (v if isinstance(v, str) else json.dumps(v, default=str))[:300]
    if isinstance(params.get("Entries"), list):  # events:PutEvents
        out["Sources"] = ",".join(sorted({str(e.get("Source")) for e in params["Entries"]}))
    return out


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
        self.register("before-call", _before_call)

    botocore.session.Session.__init__ = __init__
