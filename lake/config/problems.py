"""Config problems are collected, never raised one at a time: a steward fixing a pull
request wants every error in one run, each as ``path: field: message``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


@dataclass
class Problems:
    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, fld: str, message: str) -> None:
        p = Path(path)
        try:
            shown = str(p.relative_to(self.root.parent))
        except ValueError:
            shown = str(p)
        self.items.append(Problem(shown, fld or "-", message))

    def __bool__(self) -> bool:
        return bool(self.items)


class ConfigError(Exception):
    """Raised once, after validation, carrying every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(map(str, self.problems)))
