"""IAM condition blocks, evaluated as IAM evaluates them: every operator of a block, every key of an
operator must hold; a key's policy values are OR'ed (a negated operator holds when none matches).
A key absent from the request makes a positive operator false, a negated one true, ``…IfExists`` true.

Only the operators and keys listed here are modelled. Any other operator or key is ``Unknown``: the
statement does not match and the caller reports it, so nothing is allowed (or left undenied) silently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lake.twin.access.wildcards import glob_match

# Condition keys the evaluator knows how to fill in for a request (lower case: IAM key names are
# case-insensitive). A known key the request lacks is "absent"; an unknown key is reported.
KNOWN_KEYS = {
    "aws:securetransport", "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalarn",
    "aws:principalaccount", "aws:principalservicename", "aws:principalisawsservice", "aws:principaltype",
    "aws:calledvia", "s3:prefix", "s3:delimiter", "s3:tlsversion", "kms:viaservice", "kms:calleraccount",
    "cloudwatch:namespace", "dynamodb:leadingkeys", "kms:encryptioncontextkeys",
}
KNOWN_PREFIXES = ("kms:encryptioncontext:",)

_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NumericNotEquals"}


class Unknown(Exception):
    """An operator or key the evaluator does not model."""


def known_key(key: str) -> bool:
    k = key.lower()
    return k in KNOWN_KEYS or k.startswith(KNOWN_PREFIXES)


def _values(v: Any) -> list[str]:
    if isinstance(v, bool):
        return ["true" if v else "false"]
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _values(item)]
    return [str(v)]


def _one(op: str, actual: str, wanted: str) -> bool:
    """Does one request value match one policy value under the (un-negated) operator?"""
    if op == "StringEquals":
        return actual == wanted
    if op == "StringEqualsIgnoreCase":
        return actual.lower() == wanted.lower()
    if op in ("StringLike", "ArnLike", "ArnEquals"):  # ArnEquals takes wildcards too (IAM docs)
        return glob_match(wanted, actual)
    if op == "Bool":
        return actual.lower() == wanted.lower()
    if op.startswith("Numeric"):
        a, w = float(actual), float(wanted)
        return {"NumericEquals": a == w, "NumericLessThan": a < w, "NumericLessThanEquals": a <= w,
                "NumericGreaterThan": a > w, "NumericGreaterThanEquals": a >= w}[op]
    raise Unknown(f"condition operator {op}")


_POSITIVE = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
             "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
             "NumericNotEquals": "NumericEquals"}
_OPERATORS = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool",
              "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
              "NumericGreaterThanEquals", "Null", *_NEGATED}


def holds(block: Mapping[str, Mapping[str, Any]], context: Mapping[str, Sequence[str]]) -> bool:
    """``context``: lower-case key -> the request's values (absent keys are missing). Raises ``Unknown``."""
    for raw_op, keys in block.items():
        qualifier, _, op = raw_op.rpartition(":")
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        if op not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise Unknown(f"condition operator {raw_op}")
        for key, wanted in keys.items():
            if not known_key(key):
                raise Unknown(f"condition key {key}")
            if not _key_holds(op, qualifier, if_exists, context.get(key.lower()), _values(wanted)):
                return False
    return True


def _key_holds(op: str, qualifier: str, if_exists: bool, actual: Sequence[str] | None, wanted: list[str]) -> bool:
    if op == "Null":  # "true": the key must be absent
        return (actual is None) == (wanted[0].lower() == "true")
    negated = op in _NEGATED
    positive = _POSITIVE.get(op, op)
    if actual is None:
        if qualifier == "ForAllValues":
            return True
        return if_exists or (negated and qualifier != "ForAnyValue")

    def matches(value: str) -> bool:
        return any(_one(positive, value, w) for w in wanted)

    if qualifier == "ForAllValues":
        return all(matches(v) != negated for v in actual)
    if qualifier == "ForAnyValue":
        return any(matches(v) != negated for v in actual)
    # A single-valued key (IAM compares the request's one value).
    if negated:
        return not any(matches(v) for v in actual)
    return any(matches(v) for v in actual)
