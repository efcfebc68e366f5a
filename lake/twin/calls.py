"""Every AWS call each component of the deployment made, for the IAM evaluator of the next issue:
``component`` (a function, a Glue job, a state machine, the producer, ...), the action
(``s3:PutObject``) and the request's resource-naming parameters.

Calls are caught with botocore's ``before-parameter-build`` event (the API parameters): in this
process on the clients the twin and the Step Functions interpreter create, in the processes the twin starts by
``runtime/aws_calls.py`` (loaded at their start), which appends JSON lines to a file read here."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from lake.twin.runtime.aws_calls import EVENT, summarize


class Calls:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._local: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def file(self) -> Path:
        """Where the processes the twin starts append their calls."""
        return self.folder / "calls.jsonl"

    def hook(self, client: Any, component: str) -> Any:
        prefix = client.meta.service_model.signing_name or client.meta.service_model.endpoint_prefix

        def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
            with self._lock:
                self._local.append({"component": component, "action": f"{prefix}:{model.name}",
                                    "resources": summarize(params)})

        client.meta.events.register(EVENT, before_call)
        return client

    def record(self, component: str, action: str, resources: dict[str, str]) -> None:
        """A call AWS makes for the component that the twin answers itself (e.g. an Athena query's reads)."""
        with self._lock:
            self._local.append({"component": component, "action": action, "resources": resources})

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            local = list(self._local)
        remote = []
        if self.file.exists():
            remote = [json.loads(line) for line in self.file.read_text().splitlines() if line.strip()]
        return local + remote

    def by_component(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for c in self.all():
            out.setdefault(c["component"], Counter())[c["action"]] += 1
        return out

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({"calls": self.all(),
                                    "by_component": {k: dict(v) for k, v in self.by_component().items()}},
                                   indent=1, sort_keys=True))
