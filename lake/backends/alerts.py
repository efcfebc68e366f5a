"""Alerts to a zone's owners and stewards: SNS on AWS; locally ``alerts.jsonl`` and stderr."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lake.backends.ledger import now


@dataclass
class Alert:
    zone: str
    severity: str  # "error" | "warning" | "info"
    subject: str  # one line: what failed, where
    detail: str = ""  # what to do next
    context: dict[str, Any] = field(default_factory=dict)  # run id, file, row, rule, ...
    recipients: list[str] = field(default_factory=list)
    at: str = field(default_factory=now)


class Alerts(Protocol):
    def send(self, alert: Alert) -> None: ...


class LocalAlerts:
    def __init__(self, path: Path, echo: bool = True):
        self.path, self.echo = path, echo

    def send(self, alert: Alert) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(alert), default=str) + "\n")
        if self.echo:
            print(f"ALERT [{alert.zone}] {alert.subject}", file=sys.stderr)

    def read(self) -> list[Alert]:
        if not self.path.exists():
            return []
        return [Alert(**json.loads(line)) for line in self.path.read_text().splitlines() if line]
