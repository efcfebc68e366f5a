"""IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` included), ``?`` one character.
Actions compare case-insensitively, ARNs and condition values case-sensitively."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def action_match(pattern: str, action: str) -> bool:
    return pattern == "*" or glob_match(pattern, action, ignore_case=True)


def arn_match(pattern: str, arn: str) -> bool:
    return pattern == "*" or glob_match(pattern, arn)
