"""The JSON Schema of ``zone.yaml``, generated from the pydantic model, for editors.

The committed copy (``lake/config/schemas/zone.schema.json``) is referenced by each
zone.yaml's ``yaml-language-server`` comment; a test keeps it in step with the model.
"""

from __future__ import annotations

import json
from pathlib import Path

from lake.config.zone import ZoneSpec

SCHEMA_PATH = Path(__file__).parent / "schemas" / "zone.schema.json"


def zone_schema() -> dict:
    schema = ZoneSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Insight Lake zone.yaml"
    return schema


def write_zone_schema(path: Path | None = None) -> Path:
    path = path or SCHEMA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(zone_schema(), indent=2) + "\n", encoding="utf-8")
    return path
