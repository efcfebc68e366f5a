"""Data-subject kinds: what a contract column's ``subject`` option may say it identifies.

A column marked ``subject: person_email`` holds values that identify a person; ``lake forget
--subject person_email=<value>`` removes every row holding that person's value in such a
column, in every zone. Each kind says how its values compare (``normalize``) and whether a
value is *distinctive*: an e-mail address found anywhere in a row (a free-text note, an error
message) still names the person, while a bare id such as ``42`` would match unrelated numbers,
so only the marked columns count for it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectKind:
    name: str
    description: str
    fold_case: bool  # compared case-insensitively (always trimmed): every engine can do both
    distinctive: bool
    types: frozenset[str]  # contract column types (ColumnType.name) a column of this kind may have

    def normalize(self, value: str) -> str:
        return value.strip().lower() if self.fold_case else value.strip()

    def mention_pattern(self, value: str) -> str | None:
        """A case-insensitive regular expression finding the value inside longer text, or None.

        No look-around: the same pattern runs in Python ``re``, Arrow (RE2) and Spark (Java).
        The edges keep ``ana@x.com`` from matching inside ``diana@x.com`` or ``ana@x.com.au``.
        """
        if not self.distinctive:
            return None
        body = re.escape(self.normalize(value))
        return r"(?i)(?:^|[^a-z0-9._%+-])" + body + r"(?:$|[^a-z0-9.-]|\.(?:$|[^a-z0-9]))"


KINDS: dict[str, SubjectKind] = {k.name: k for k in (
    SubjectKind("person_email", "a person's e-mail address (compared trimmed, case-insensitively)", True, True,
                frozenset({"string"})),
    SubjectKind("person_id", "a person's identifier in a source system (compared trimmed, exactly)", False,
                False, frozenset({"string", "tinyint", "smallint", "int", "integer", "bigint"})),
)}


def unknown_kind_message(kind: str) -> str:
    close = difflib.get_close_matches(kind, KINDS, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown subject kind '{kind}' (known: {', '.join(sorted(KINDS))}){hint}"
