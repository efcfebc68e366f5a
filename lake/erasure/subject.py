"""The data subject of one erasure: its kind, its value, and how to recognise it in every form.

Stored forms differ by layer: raw files and staging hold the value as delivered (any case,
padded); ODS holds it hashed with the owning zone's key, so each zone has its own hash, and
each exact spelling hashes differently. ``spellings`` collects the exact values found in
staging, so every stored hash can be computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc

from lake.config.subjects import KINDS, SubjectKind, unknown_kind_message
from lake.pii import hmac_hex

REDACTED = "[erased]"


class BadSubject(ValueError):
    """The ``KIND=VALUE`` given cannot name a subject (usage error)."""


@dataclass
class Subject:
    kind: SubjectKind
    value: str  # normalized
    spellings: set[str] = field(default_factory=set)  # exact stored values seen (staging), beyond ``value``

    @classmethod
    def parse(cls, text: str) -> Subject:
        kind, sep, value = text.partition("=")
        if not sep:
            raise BadSubject(f"--subject needs KIND=VALUE (e.g. person_email=jane@example.com), got '{text}'")
        return cls.of(kind.strip(), value)

    @classmethod
    def of(cls, kind: str, value: str) -> Subject:
        if kind not in KINDS:
            raise BadSubject(unknown_kind_message(kind))
        normalized = KINDS[kind].normalize(value)
        if not normalized:
            raise BadSubject(f"--subject {kind}= needs a value")
        return cls(KINDS[kind], normalized)

    # -- comparing -------------------------------------------------------------------------
    def equals(self, raw: object) -> bool:
        return raw is not None and not isinstance(raw, (dict, list)) and self.kind.normalize(str(raw)) == self.value

    @cached_property
    def pattern(self) -> str | None:
        return self.kind.mention_pattern(self.value)

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None

    def mentioned(self, text: str | None) -> bool:
        """The value inside longer text (distinctive kinds only: an e-mail, not a bare id)."""
        return bool(text) and self._regex is not None and self._regex.search(text or "") is not None

    def redact(self, text: str) -> str:
        """The text with each mention replaced by ``[erased]``."""
        if self._regex is None:
            return text
        body = re.compile(r"(?i)" + re.escape(self.value))
        out = text
        while (m := self._regex.search(out)) is not None:  # the edges may overlap: repeat until none left
            hit = body.search(out, m.start())
            assert hit is not None  # the mention contains the value
            out = out[:hit.start()] + REDACTED + out[hit.end():]
        return out

    def arrow_equals(self, arr: pa.Array) -> pa.Array:
        """True where a column's value is the subject's (trimmed, case folded as the kind says)."""
        text = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
        text = pc.utf8_trim_whitespace(text)
        if self.kind.fold_case:
            text = pc.utf8_lower(text)
        return pc.fill_null(pc.equal(text, self.value), False)

    def arrow_mentions(self, arr: pa.Array) -> pa.Array | None:
        if self.pattern is None:
            return None
        text = arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())
        return pc.fill_null(pc.match_substring_regex(text, self.pattern), False)

    # -- stored forms ------------------------------------------------------------------------
    def all_spellings(self) -> set[str]:
        return {self.value} | self.spellings

    def hashes(self, key: bytes) -> set[str]:
        """Every HMAC a zone with this key may have stored for the subject."""
        return {hmac_hex(key, s) for s in self.all_spellings()}

    def audit_hash(self, platform_key: bytes) -> str:
        """What the audit record keeps instead of the value: keyed, so a list of e-mails cannot reverse it."""
        return hmac_hex(platform_key, f"{self.kind.name}:{self.value}")
