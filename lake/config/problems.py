"""Config problems are collected, never raised one at a time: a steward fixing a pull
request wants every error in one run, each as ``path: field: message``, or, for an error
inside a SQL file, ``path:line:col: message`` (the form editors and CI annotations link to)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    """Without terminal escape codes (sqlglot underlines the offending token with them)."""
    return _ANSI.sub("", text)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    field: str
    message: str
    line: int = 0  # 1-based position in the file, when the problem has one
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}: {self.message}"
        return f"{self.path}: {self.field}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return self.path, self.line, self.col, self.field, self.message


@dataclass
class Problems:
    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, fld: str, message: str, line: int = 0, col: int = 0) -> None:
        p = Path(path)
        try:
            shown = str(p.relative_to(self.root.parent))
        except ValueError:
            shown = str(p)
        self.items.append(Problem(shown, fld or "-", plain(message), line, col))

    def __bool__(self) -> bool:
        return bool(self.items)


class ConfigError(Exception):
    """Raised once, after validation, carrying every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=Problem.sort_key)
        super().__init__("\n".join(map(str, self.problems)))
