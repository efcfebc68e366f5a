"""The OpenLineage RunEvent JSON Schema written here (run_event.schema.json) as a validator."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).with_name("run_event.schema.json")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(event: dict) -> list[str]:
    """Every way ``event`` breaks the schema, as ``path: message`` (empty when it conforms)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '<event>'}: {e.message}"
            for e in sorted(validator().iter_errors(event), key=lambda e: list(map(str, e.absolute_path)))]
